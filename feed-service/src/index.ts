import {
  createApp,
  createLogger,
  identityAssertions,
  remoteIdentityKeys,
  instanceId,
  loadConfigOrExit,
  runService,
  kafkaOptions,
  serviceKafka,
  withPassword,
} from '@feedmesh/common';
import { Redis } from 'ioredis';
import { configSchema } from './config.js';
import { feedConsumer } from './consumer.js';
import { FeedStore } from './feeds.js';
import { LiveFeed } from './live.js';
import { feedRoutes } from './routes.js';
import { feedTopics } from './subscriptions.js';

const NAME = 'feed-service';
const config = loadConfigOrExit(NAME, configSchema);
const logger = createLogger(NAME, config.LOG_LEVEL);

// Fail commands fast while Redis is away instead of queueing them behind a reconnect.
const redis = new Redis(withPassword(config.REDIS_URL, config.REDIS_PASSWORD), {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
});
redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
const store = new FeedStore(
  redis,
  { global: config.FEED_GLOBAL_CAP, perUser: config.FEED_USER_CAP },
  config.FEED_KEY_PREFIX,
  {
    cap: config.FEED_HOME_CAP,
    fanoutChunk: config.FEED_FANOUT_CHUNK,
    backfill: config.FEED_HOME_BACKFILL,
    celebrityFollowers: config.FEED_CELEBRITY_FOLLOWERS,
    inactiveAfterMs: config.FEED_INACTIVE_DAYS * 86_400_000,
    liveWindow: config.FEED_LIVE_WINDOW,
  },
);
// Its own connection: a blocking read of the changes stream holds it.
const live = new LiveFeed(redis.duplicate(), redis, store.keys, store.revoked, {
  maxStreams: config.FEED_LIVE_MAX_STREAMS,
  maxPerClient: config.FEED_LIVE_MAX_PER_CLIENT,
});

const kafka = serviceKafka({ clientId: NAME, ...kafkaOptions(config), logger });
const topics = feedTopics(config);
const consumer = feedConsumer(kafka.kafka, {
  store,
  topics,
  deadLetters: kafka.publisher,
  logger: logger.child({ component: 'consumer' }),
  groupId: config.CONSUMER_GROUP,
  lingerMs: config.CONSUMER_LINGER_MS,
});

const app = createApp({
  service: NAME,
  logger,
  instance: instanceId(NAME, config.SERVICE_ADDRESS, config.PORT),
  checks: { redis: () => redis.ping(), kafka: kafka.admin.check },
  assertions: identityAssertions(remoteIdentityKeys(config.IDENTITY_JWKS_URL)),
  routes: feedRoutes({
    store,
    live,
    streams: {
      heartbeatMs: config.FEED_LIVE_HEARTBEAT_MS,
      retryMs: config.FEED_LIVE_RETRY_MS,
      maxBufferedBytes: config.FEED_LIVE_MAX_BUFFERED_BYTES,
    },
    lag: () => kafka.admin.lag(config.CONSUMER_GROUP, topics.post.name),
  }),
});
await runService({
  app,
  config,
  logger,
  endStreams: () => live.stop(),
  close: [() => consumer.stop(), kafka.close, () => redis.quit()],
});
// Reads are served even while Kafka is away; the consumer joins when it can.
consumer.start().catch((err: unknown) => {
  logger.fatal({ err: String(err) }, 'the consumer stopped for good; exiting so the supervisor restarts the service');
  process.exit(1);
});
