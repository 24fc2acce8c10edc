import {
  AUTH_TOPIC,
  createApp,
  createLogger,
  identityAssertions,
  identityKeyRing,
  instanceId,
  kafkaOptions,
  loadConfigOrExit,
  openPostgres,
  runService,
  serviceKafka,
  serviceOutbox,
  withPassword,
} from '@feedmesh/common';
import { configSchema } from './config.js';
import { MIGRATIONS } from './migrations.js';
import { Passwords } from './passwords.js';
import { authLog, RevocationStore, Revocations, type AuthOutboxEntry } from './revocations.js';
import { authRoutes, errorPages } from './routes.js';
import { accessTokens } from './tokens.js';
import { UsersRepository } from './users.js';

const NAME = 'auth-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);
const instance = instanceId(NAME, config.SERVICE_ADDRESS, config.PORT);

const databaseUrl = withPassword(config.DATABASE_URL, config.DATABASE_PASSWORD);
const db = await openPostgres({ url: databaseUrl, logger, migrations: MIGRATIONS });

const kafka = serviceKafka({ clientId: NAME, ...kafkaOptions(config), logger });
const log = authLog(db);
// Every instance publishes its own revocations; the leader also recovers those of instances that died.
const outbox = serviceOutbox<AuthOutboxEntry>({
  service: NAME,
  config,
  log,
  topic: AUTH_TOPIC,
  publisher: kafka.publisher,
  instance,
  logger,
});

// Loaded before the app serves, so no revoked token passes in the first moments.
const revocations = new RevocationStore(
  db,
  new Revocations(),
  { log, publisher: outbox, instance },
  { url: databaseUrl, logger },
);
await revocations.start();

const ring = await identityKeyRing(config.IDENTITY_SIGNING_KEY, config.IDENTITY_PREVIOUS_KEYS);
const assertions = identityAssertions(ring.keys);
const app = createApp({
  service: NAME,
  logger,
  instance,
  checks: { postgres: () => db.query('select 1'), kafka: kafka.admin.check },
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
await outbox.start();
await runService({
  app,
  config,
  logger,
  close: [() => outbox.stop(), kafka.close, () => revocations.close(), () => db.end()],
});
