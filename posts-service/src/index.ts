import {
  createApp,
  createLogger,
  identityAssertions,
  instanceId,
  LeaderLock,
  loadConfigOrExit,
  OutboxRelay,
  POSTS_TOPIC,
  runService,
  serviceKafka,
} from '@feedmesh/common';
import { MongoClient } from 'mongodb';
import { configSchema } from './config.js';
import { ensureIndexes } from './indexes.js';
import { PostOutbox } from './outbox.js';
import { postRoutes } from './routes.js';
import { PostStore } from './store.js';

const NAME = 'posts-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);
const instance = instanceId(NAME, config.SERVICE_ADDRESS, config.PORT);

const mongo = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: 2_000, appName: NAME });
const db = mongo.db(config.MONGODB_DB);
await ensureIndexes(db);
const outbox = new PostOutbox(db);
const store = new PostStore(db, outbox);

const kafka = serviceKafka({ clientId: NAME, brokers: config.KAFKA_BROKERS, logger });
// One relay in the mesh publishes; the others stand by for its lock.
const relay = new OutboxRelay({
  storage: outbox,
  repair: (entry) => store.repair(entry),
  topic: POSTS_TOPIC,
  publisher: kafka.publisher,
  lock: new LeaderLock(config.CONSUL_URL, `feedmesh/${NAME}/relay-leader`, instance),
  logger: logger.child({ component: 'relay' }),
  pollMs: config.RELAY_POLL_MS,
});

const app = createApp({
  service: NAME,
  logger,
  instance,
  checks: { mongodb: () => db.command({ ping: 1 }), kafka: kafka.admin.check },
  assertions: identityAssertions(config.IDENTITY_ASSERTION_KEY),
  routes: postRoutes({ store, onCommit: () => relay.nudge() }),
});
relay.start();
await runService({ app, config, logger, close: [() => relay.stop(), kafka.close, () => mongo.close()] });
