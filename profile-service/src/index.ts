import { fileURLToPath } from 'node:url';
import {
  createLogger,
  identityAssertions,
  instanceId,
  loadConfigOrExit,
  openPostgres,
  runService,
} from '@feedmesh/common';
import { createApp, ROUTES } from './app.js';
import { configSchema } from './config.js';
import { ProfilesRepository } from './profiles.js';

const NAME = 'profile-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);

const db = await openPostgres({
  url: config.DATABASE_URL,
  logger,
  migrations: { dir: fileURLToPath(new URL('../migrations', import.meta.url)), table: 'profile_migrations' },
});

const app = createApp({
  logger,
  instance: instanceId(NAME, config.SERVICE_ADDRESS, config.PORT),
  checks: { postgres: () => db.query('select 1') },
  profiles: new ProfilesRepository(db),
  identity: identityAssertions(config.IDENTITY_ASSERTION_KEY),
});
await runService({ name: NAME, routes: ROUTES, config, logger, app, close: [() => db.end()] });
