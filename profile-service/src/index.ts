import {
  createApp,
  createLogger,
  identityAssertions,
  remoteIdentityKeys,
  instanceId,
  loadConfigOrExit,
  openPostgres,
  runService,
  withPassword,
} from '@feedmesh/common';
import { configSchema } from './config.js';
import { MIGRATIONS } from './migrations.js';
import { ProfilesRepository } from './profiles.js';
import { profileRoutes } from './routes.js';

const NAME = 'profile-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);

const db = await openPostgres({
  url: withPassword(config.DATABASE_URL, config.DATABASE_PASSWORD),
  logger,
  migrations: MIGRATIONS,
});

const app = createApp({
  service: NAME,
  logger,
  instance: instanceId(NAME, config.SERVICE_ADDRESS, config.PORT),
  checks: { postgres: () => db.query('select 1') },
  assertions: identityAssertions(remoteIdentityKeys(config.IDENTITY_JWKS_URL)),
  routes: profileRoutes(new ProfilesRepository(db)),
});
await runService({ app, config, logger, close: [() => db.end()] });
