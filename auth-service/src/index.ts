import {
  createApp,
  createLogger,
  identityAssertions,
  instanceId,
  loadConfigOrExit,
  openPostgres,
  runService,
  withPassword,
} from '@feedmesh/common';
import { configSchema } from './config.js';
import { MIGRATIONS } from './migrations.js';
import { Passwords } from './passwords.js';
import { authRoutes, errorPages } from './routes.js';
import { accessTokens } from './tokens.js';
import { UsersRepository } from './users.js';

const NAME = 'auth-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);

const db = await openPostgres({
  url: withPassword(config.DATABASE_URL, config.DATABASE_PASSWORD),
  logger,
  migrations: MIGRATIONS,
});

const assertions = identityAssertions(config.IDENTITY_ASSERTION_KEY);
const app = createApp({
  service: NAME,
  logger,
  instance: instanceId(NAME, config.SERVICE_ADDRESS, config.PORT),
  checks: { postgres: () => db.query('select 1') },
  assertions,
  routes: authRoutes({
    users: new UsersRepository(db),
    passwords: await Passwords.create(),
    tokens: accessTokens(config.JWT_SECRET, config.TOKEN_TTL_SECONDS),
    assertions,
  }),
  internal: errorPages,
});
await runService({ app, config, logger, close: [() => db.end()] });
