import {
  createApp,
  createLogger,
  identityAssertions,
  remoteIdentityKeys,
  instanceId,
  kafkaOptions,
  loadConfigOrExit,
  openPostgres,
  runService,
  serviceKafka,
  serviceOutbox,
  SOCIAL_TOPIC,
  withPassword,
} from '@feedmesh/common';
import { configSchema } from './config.js';
import { FollowGraph, type SocialOutboxEntry } from './follows.js';
import { MIGRATIONS } from './migrations.js';
import { socialLog } from './outbox.js';
import { ProfilesRepository } from './profiles.js';
import { profileRoutes } from './routes.js';

const NAME = 'profile-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);
const instance = instanceId(NAME, config.SERVICE_ADDRESS, config.PORT);

const db = await openPostgres({
  url: withPassword(config.DATABASE_URL, config.DATABASE_PASSWORD),
  logger,
  migrations: MIGRATIONS,
});

const kafka = serviceKafka({ clientId: NAME, ...kafkaOptions(config), logger });
const log = socialLog(db);
// Every instance publishes its own commits; the leader also recovers those of instances that died.
const outbox = serviceOutbox<SocialOutboxEntry>({
  service: NAME,
  config,
  log,
  topic: SOCIAL_TOPIC,
  publisher: kafka.publisher,
  instance,
  logger,
});

const app = createApp({
  service: NAME,
  logger,
  instance,
  checks: { postgres: () => db.query('select 1'), kafka: kafka.admin.check },
  assertions: identityAssertions(remoteIdentityKeys(config.IDENTITY_JWKS_URL)),
  routes: profileRoutes({
    profiles: new ProfilesRepository(db),
    follows: new FollowGraph(db, log, outbox, instance),
  }),
});
await outbox.start();
await runService({ app, config, logger, close: [() => outbox.stop(), kafka.close, () => db.end()] });
