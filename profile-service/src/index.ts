import { createLogger, instanceId, loadConfigOrExit, runService } from '@feedmesh/common';
import pg from 'pg';
import { createApp, ROUTES } from './app.js';
import { configSchema } from './config.js';

const NAME = 'profile-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);

const db = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
// An idle client that loses its connection emits 'error'; unhandled, it would kill the process.
db.on('error', (err) => logger.warn({ err: err.message }, 'postgres connection lost'));

const app = createApp({
  logger,
  instance: instanceId(NAME, config.SERVICE_ADDRESS, config.PORT),
  checks: { postgres: () => db.query('select 1') },
});
await runService({ name: NAME, routes: ROUTES, config, logger, app, close: [() => db.end()] });
