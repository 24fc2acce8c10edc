import { fileURLToPath } from 'node:url';
import { createLogger, IdentityAsserter, instanceId, loadConfigOrExit, migrate, runService } from '@feedmesh/common';
import pg from 'pg';
import { createApp, ROUTES } from './app.js';
import { configSchema } from './config.js';
import { ProfilesRepository } from './profiles.js';

const NAME = 'profile-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);

await migrate({
  databaseUrl: config.DATABASE_URL,
  dir: fileURLToPath(new URL('../migrations', import.meta.url)),
  table: 'profile_migrations',
  logger,
});

const db = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
// An idle client that loses its connection emits 'error'; unhandled, it would kill the process.
db.on('error', (err) => logger.warn({ err: err.message }, 'postgres connection lost'));

const app = createApp({
  logger,
  instance: instanceId(NAME, config.SERVICE_ADDRESS, config.PORT),
  checks: { postgres: () => db.query('select 1') },
  profiles: new ProfilesRepository(db),
  identity: new IdentityAsserter(config.IDENTITY_ASSERTION_KEY),
});
await runService({ name: NAME, routes: ROUTES, config, logger, app, close: [() => db.end()] });
