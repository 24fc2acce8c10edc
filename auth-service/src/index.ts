import {
  createApp,
  createLogger,
  identityAssertions,
  identityKeyRing,
  instanceId,
  loadConfigOrExit,
  openPostgres,
  runService,
  withPassword,
} from '@feedmesh/common';
import { configSchema } from './config.js';
import { MIGRATIONS } from './migrations.js';
import { Passwords } from './passwords.js';
import { RevocationStore, Revocations } from './revocations.js';
import { authRoutes, errorPages } from './routes.js';
import { accessTokens } from './tokens.js';
import { UsersRepository } from './users.js';

const NAME = 'auth-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);

const databaseUrl = withPassword(config.DATABASE_URL, config.DATABASE_PASSWORD);
const db = await openPostgres({ url: databaseUrl, logger, migrations: MIGRATIONS });

// Loaded before the app serves, so no revoked token passes in the first moments.
const revocations = new RevocationStore(db, new Revocations(), { url: databaseUrl, logger });
await revocations.start();

const ring = await identityKeyRing(config.IDENTITY_SIGNING_KEY, config.IDENTITY_PREVIOUS_KEYS);
const assertions = identityAssertions(ring.keys);
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
    jwks: ring.jwks,
    revocations,
  }),
  internal: errorPages,
});
await runService({ app, config, logger, close: [() => revocations.close(), () => db.end()] });
