import { randomUUID } from 'node:crypto';
import { createKafka, kafkaPublisher, type PostEvent, type SocialEvent } from '@feedmesh/common';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@feedmesh/common';
import { eventually, spawnService, stack } from '@feedmesh/testkit';
import { feedConsumer } from '../src/consumer.js';
import { createdAt } from './events.js';
import { FeedStore } from '../src/feeds.js';

// The consumer against the real Kafka and Redis, on topics and keys of the test's own. The dead-letter
// topic's name is not derived from the topic's: the consumer must use the one declared, as mesh.json's are.
const logger = pino({ level: 'silent' });
// As the stack's admin: feed-service's own user may not make these topics or use this group.
const kafka = createKafka({
  clientId: 'feed-consumer-test',
  brokers: stack.kafkaBrokers.split(','),
  credentials: stack.kafkaAdmin,
  logger,
});
const topic = `feedtest-${process.pid}-${Date.now()}`;
const deadLetter = `feedtest-dead-${process.pid}-${Date.now()}`;
const socialTopic = `feedtest-social-${process.pid}-${Date.now()}`;
const socialDeadLetter = `feedtest-social-dead-${process.pid}-${Date.now()}`;
const authTopic = `feedtest-auth-${process.pid}-${Date.now()}`;
const authDeadLetter = `feedtest-auth-dead-${process.pid}-${Date.now()}`;
/** The posts topic of the SIGKILL test's own feed-service: nothing but its one post. */
const killTopic = `feedtest-kill-${process.pid}-${Date.now()}`;
const testTopics = [topic, deadLetter, socialTopic, socialDeadLetter, authTopic, authDeadLetter, killTopic];
const redis = new Redis(stack.redisUrl);
const publisher = kafkaPublisher(kafka);
const admin = kafka.admin();

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: testTopics.map((t) => ({ topic: t, numPartitions: 3, replicationFactor: 1 })),
  });
});
afterAll(async () => {
  await admin.deleteTopics({ topics: testTopics }).catch(() => undefined);
  await Promise.all([admin.disconnect(), publisher.close()]);
  await redis.quit();
});

const store = () => new FeedStore(redis, { global: 1000, perUser: 100 }, `feedtest:${randomUUID()}`);
const consumer = (s: FeedStore, groupId: string) =>
  feedConsumer(kafka, {
    store: s,
    topics: {
      post: { name: topic, deadLetter, partitions: 3 },
      social: { name: socialTopic, deadLetter: socialDeadLetter, partitions: 3 },
      auth: { name: authTopic, deadLetter: authDeadLetter, partitions: 3 },
    },
    deadLetters: publisher,
    logger,
    groupId,
  });
const post = (author: string, n: number): PostEvent =>
  createdAt(
    author,
    `#${n}`,
    new Date(Date.parse('2026-02-01T00:00:00Z') + n * 1000).toISOString(),
    `${author}-${n}`.padEnd(24, '0'),
  );
const send = (values: Array<{ key: string; value: unknown }>) =>
  publisher.publish(values.map((v) => ({ topic, ...v })));

describe('feedConsumer', () => {
  it('dead-letters a poison or unknown event with its reason, and goes on with the partition', async () => {
    const s = store();
    const c = consumer(s, `${topic}-poison`);
    await send([
      { key: 'same-key', value: '{"not json' },
      { key: 'same-key', value: { ...post('ann', 1), type: 'post.liked' } },
      { key: 'same-key', value: post('ann', 2) },
    ]);
    await c.start();
    await eventually(async () => (await s.stats()).events_applied === 1, 20_000);
    expect(await s.stats()).toMatchObject({ dead_lettered: 2, events_applied: 1 });
    expect((await s.page(s.keys.global(), 0, 10)).map((i) => i.title)).toEqual(['#2']);
    await c.stop();

    const dlq = kafka.consumer({ groupId: `${topic}-dlq-reader` });
    const reasons: string[] = [];
    await dlq.connect();
    await dlq.subscribe({ topic: deadLetter, fromBeginning: true });
    await dlq.run({ eachMessage: async ({ message }) => void reasons.push(String(message.headers?.reason)) });
    await eventually(async () => reasons.length === 2, 20_000);
    await dlq.disconnect();
    expect(reasons).toContain('not JSON');
    expect(reasons).toContain('type: unknown event type "post.liked"');
  });

  it('loses and doubles nothing when the consumer is replaced mid-stream', async () => {
    const s = store();
    const groupId = `${topic}-restart`;
    const events = Array.from({ length: 300 }, (_, i) => post(`u${i % 7}`, 100 + i));
    await send(events.map((e) => ({ key: e.data.id, value: e })));
    const first = consumer(s, groupId);
    await first.start();
    await eventually(async () => (await s.stats()).events_applied >= 50, 20_000, 5);
    await first.stop(); // mid-stream: some applied, some not, commits possibly behind
    const second = consumer(s, groupId);
    await second.start();
    const mine = async () => (await s.page(s.keys.global(), 0, 1000)).filter((i) => /^u\d/.test(i.id));
    await eventually(async () => (await mine()).length === 300, 30_000);
    await second.stop();
    const global = await mine();
    expect(new Set(global.map((i) => i.id)).size).toBe(300);
    expect(global.map((i) => i.id).sort()).toEqual(events.map((e) => e.data.id).sort());
  });

  it('reads follows from the social topic in the same consumer, by the same table', async () => {
    const s = store();
    const c = consumer(s, `${topic}-social`);
    const [ann, bob] = [randomUUID(), randomUUID()];
    const change = (type: SocialEvent['type'], version: number): SocialEvent => ({
      id: randomUUID(),
      schema_version: 1,
      type,
      time: new Date().toISOString(),
      actor: ann,
      data: { follower_id: ann, followee_id: bob, version },
    });
    const events = [change('user.followed', 1), change('user.unfollowed', 2), change('user.followed', 3)];
    // Keyed by follower, as profile-service publishes them; the replayed first one changes nothing.
    await publisher.publish([...events, events[0]!].map((value) => ({ topic: socialTopic, key: ann, value })));
    const theirs = post(bob, 999);
    await send([{ key: theirs.data.id, value: theirs }]);
    await c.start();
    await eventually(async () => (await s.home.followers(bob)).includes(ann), 20_000);
    // The posts topic in the same group, meanwhile.
    const global = async () => (await s.page(s.keys.global(), 0, 1000)).map((i) => i.id);
    await eventually(async () => (await global()).includes(theirs.data.id), 20_000);
    await c.stop();
    expect(await s.home.followees(ann)).toEqual([bob]);
  });

  it('loses and doubles nothing when feed-service is SIGKILLed in the middle of a large fan-out', async () => {
    const prefix = `feedtest:${randomUUID()}`;
    const s = new FeedStore(redis, { global: 1000, perUser: 100 }, prefix);
    const author = randomUUID();
    const fans = Array.from({ length: 2_000 }, () => randomUUID());
    // The graph straight into Redis (this test is about the fan-out), every fan an active reader.
    for (let i = 0; i < fans.length; i += 500) {
      await s.home.applyFollows(
        fans.slice(i, i + 500).map((fan) => ({
          id: randomUUID(),
          schema_version: 1,
          type: 'user.followed',
          time: '2026-01-01T00:00:00Z',
          actor: fan,
          data: { follower_id: fan, followee_id: author, version: 1 },
        })),
      );
    }
    await redis.zadd(s.keys.readers(), ...fans.flatMap((f) => [Date.now(), f]));
    // A feed-service of the test's own, on the test's topics, with small fan-out chunks: a fan-out of many calls.
    const start = async () => {
      const svc = spawnService('feed-service', await freePort(), {
        CONSUL_REGISTER: 'false',
        FEED_KEY_PREFIX: prefix,
        FEED_TOPIC: killTopic,
        FEED_SOCIAL_TOPIC: socialTopic,
        CONSUMER_GROUP: `${topic}-kill`,
        FEED_FANOUT_CHUNK: '5',
      });
      await eventually(async () => (await fetch(`${svc.url}/health/live`).catch(() => undefined))?.ok === true, 20_000);
      return svc;
    };
    const reached = async (id: string) => {
      const pipeline = redis.pipeline();
      for (const fan of fans) pipeline.zscore(s.keys.home(fan), id);
      return ((await pipeline.exec()) ?? []).filter(([, score]) => score !== null).length;
    };
    const first = await start();
    const big = post(author, 5_000);
    await publisher.publish([{ topic: killTopic, key: big.data.id, value: big }]);
    // The fan-out has begun once the post is in its author's timeline (written with the event).
    await eventually(async () => (await s.home.ids(author)).includes(big.data.id), 30_000, 1);
    first.proc.kill('SIGKILL');
    await first.exited;
    const atKill = await reached(big.data.id);
    expect(atKill).toBeLessThan(fans.length);

    const second = await start();
    try {
      await eventually(async () => (await reached(big.data.id)) === fans.length, 30_000, 50);
      const global = (await s.page(s.keys.global(), 0, 1000)).map((i) => i.id);
      expect(global.filter((id) => id === big.data.id)).toHaveLength(1);
      // Redelivered: applied once, its repeat recognized, and the fan-out finished by it.
      expect(await s.stats()).toMatchObject({ events_applied: 1, duplicates_skipped: 1 });
      for (const fan of fans.slice(0, 20))
        expect((await s.home.page(fan, 10)).items.map((i) => i.id)).toEqual([big.data.id]);
    } finally {
      second.proc.kill('SIGTERM');
      await second.exited;
      await s.wipe();
    }
  });
});
