import {
  createApp,
  createLogger,
  identityAssertions,
  remoteIdentityKeys,
  instanceId,
  loadConfigOrExit,
  mongodbLoginUrl,
  serviceOutbox,
  type OutboxPublisher,
  POSTS_TOPIC,
  runService,
  kafkaOptions,
  serviceKafka,
} from '@feedmesh/common';
import { MongoClient } from 'mongodb';
import { configSchema } from './config.js';
import { ensureIndexes } from './indexes.js';
import { migrateLegacyCollections } from './migrate.js';
import { PostLog, type PostOutboxEntry } from './outbox.js';
import { postRoutes } from './routes.js';
import { PostStore } from './store.js';

const NAME = 'posts-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);
const instance = instanceId(NAME, config.SERVICE_ADDRESS, config.PORT);

const mongo = new MongoClient(mongodbLoginUrl(config.MONGODB_URL, config.MONGODB_PASSWORD), {
  serverSelectionTimeoutMS: 2_000,
  appName: NAME,
});
const db = mongo.db(config.MONGODB_DB);
await ensureIndexes(db);
await migrateLegacyCollections(db, instance);

const kafka = serviceKafka({ clientId: NAME, ...kafkaOptions(config), logger });
// Every instance publishes its own commits; the leader also recovers those of instances that died.
const outbox: OutboxPublisher<PostOutboxEntry> = serviceOutbox({
  service: NAME,
  config,
  log: new PostLog(db),
  repair: (entry): Promise<void> => store.repair(entry),
  topic: POSTS_TOPIC,
  publisher: kafka.publisher,
  instance,
  logger,
});
const store = new PostStore(db, outbox, instance, config.CREATE_LINGER_MS);

const app = createApp({
  service: NAME,
  logger,
  instance,
  checks: { mongodb: () => db.command({ ping: 1 }), kafka: kafka.admin.check },
  assertions: identityAssertions(remoteIdentityKeys(config.IDENTITY_JWKS_URL)),
  routes: postRoutes({ store }),
});
await outbox.start();
await runService({ app, config, logger, close: [() => outbox.stop(), kafka.close, () => mongo.close()] });
