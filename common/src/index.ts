export * from './config.js';
export * from './consul.js';
export * from './errors.js';
export * from './health.js';
export * from './kafka.js';
export * from './logger.js';
export * from './service.js';
