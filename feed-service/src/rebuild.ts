// Rebuilds every feed from the event log, for when Redis is lost:
//   stack/mesh feed-rebuild   (stops feed-service, runs this, starts it again)
// With feed-service stopped, it wipes the feed keys and rewinds the
// consumer group to the start of every topic in its subscription table; the
// service then replays the whole log on start. Nothing but Redis and Kafka is read.
import { createKafka, createLogger, kafkaOptions, loadConfigOrExit, withPassword } from '@feedmesh/common';
import { Redis } from 'ioredis';
import { configSchema } from './config.js';
import { FeedStore } from './feeds.js';
import { feedSubscriptions, feedTopics } from './subscriptions.js';

const config = loadConfigOrExit('feed-rebuild', configSchema);
const logger = createLogger('feed-rebuild', config.LOG_LEVEL);
const kafka = createKafka({ clientId: 'feed-rebuild', ...kafkaOptions(config), logger });
const admin = kafka.admin();
await admin.connect();

const { groups } = await admin.describeGroups([config.CONSUMER_GROUP]);
const state = groups[0]?.state;
if (state && !['Empty', 'Dead'].includes(state)) {
  logger.error({ group: config.CONSUMER_GROUP, state }, 'the feed consumer is running; stop feed-service first');
  await admin.disconnect();
  process.exit(2);
}

const redis = new Redis(withPassword(config.REDIS_URL, config.REDIS_PASSWORD));
const store = new FeedStore(redis, undefined, config.FEED_KEY_PREFIX);
const removed = await store.wipe();
await store.resetChanges();
// The topics the service reads, from the same table, so a topic added there is replayed too.
const topics = feedSubscriptions(store, feedTopics(config)).map((s) => s.topic.name);
for (const topic of topics) {
  await admin.resetOffsets({ groupId: config.CONSUMER_GROUP, topic, earliest: true }).catch((err: unknown) => {
    // A group that never committed has nothing to rewind: it starts from the beginning anyway.
    if (!String(err).includes('does not exist')) throw err;
  });
}
logger.info(
  { removedKeys: removed, group: config.CONSUMER_GROUP, topics },
  'feeds wiped and consumer rewound; feed-service replays the log on start',
);
await Promise.all([admin.disconnect(), redis.quit()]);
