import { createKafka, createLogger, instanceId, kafkaHealthCheck, loadConfigOrExit, runService } from '@feedmesh/common';
import { Redis } from 'ioredis';
import { createApp, ROUTES } from './app.js';
import { configSchema } from './config.js';

const NAME = 'feed-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);

// Fail commands fast while Redis is away instead of queueing them behind a reconnect.
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
const kafka = kafkaHealthCheck(createKafka({ clientId: NAME, brokers: config.KAFKA_BROKERS, logger }));

const app = createApp({
  logger,
  instance: instanceId(NAME, config.SERVICE_ADDRESS, config.PORT),
  checks: { redis: () => redis.ping(), kafka: kafka.check },
});
await runService({ name: NAME, routes: ROUTES, config, logger, app, close: [kafka.close, () => redis.quit()] });
