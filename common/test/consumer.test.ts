import type { EachMessagePayload, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { EventConsumer, subscription, type SubscribedTopic } from '../src/consumer.js';
import type { OutgoingMessage } from '../src/kafka.js';

// The dispatch table without a broker: a fake kafkajs client hands the
// consumer's own eachMessage to the test, which plays Kafka's part.
const liked = z.object({ type: z.literal('post.liked'), post: z.string(), by: z.string() });
const shared = z.object({ type: z.literal('post.shared'), post: z.string() });
const followed = z.object({ type: z.literal('user.followed'), follower: z.string(), followee: z.string() });
const reactions = z.discriminatedUnion('type', [liked, shared]);

const reactionsTopic: SubscribedTopic = { name: 'reactions', deadLetter: 'reactions-dead', partitions: 3 };
const socialTopic: SubscribedTopic = { name: 'social', deadLetter: 'social-letters', partitions: 2 };

function setup(opts: { like?: () => Promise<boolean | void>; publish?: () => Promise<void> } = {}) {
  const handled: string[] = [];
  const published: OutgoingMessage[] = [];
  const deadLettered: string[] = [];
  const logger = pino({ level: 'silent' });
  const debug = vi.spyOn(logger, 'debug');
  let run: { eachMessage: (p: EachMessagePayload) => Promise<void>; partitionsConsumedConcurrently?: number };
  const subscribed: string[][] = [];
  const fake = {
    connect: async () => undefined,
    subscribe: async ({ topics }: { topics: string[] }) => void subscribed.push(topics),
    run: async (config: typeof run) => void (run = config),
    disconnect: async () => undefined,
  };
  const consumer = new EventConsumer({ consumer: () => fake } as unknown as Kafka, {
    groupId: 'g',
    logger,
    deadLetters: {
      publish: async (messages) => {
        await opts.publish?.();
        published.push(...messages);
      },
      close: async () => undefined,
    },
    onDeadLetter: async ({ reason }) => void deadLettered.push(reason),
    subscriptions: [
      subscription({
        topic: reactionsTopic,
        schema: reactions,
        handlers: {
          'post.liked': async (e) => {
            handled.push(`liked ${e.post} by ${e.by}`);
            return opts.like?.();
          },
          'post.shared': async (e) => void handled.push(`shared ${e.post}`),
        },
      }),
      subscription({
        topic: socialTopic,
        schema: followed,
        handlers: { 'user.followed': async (e) => void handled.push(`${e.follower} follows ${e.followee}`) },
      }),
    ],
  });
  const deliver = (topic: string, value: unknown, offset = '7') =>
    run.eachMessage({
      topic,
      partition: 1,
      message: {
        key: Buffer.from('k1'),
        value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
        offset,
        timestamp: '0',
        attributes: 0,
        headers: {},
      },
      heartbeat: async () => undefined,
      pause: () => () => undefined,
    });
  return {
    start: () => consumer.start(),
    run: () => run,
    subscribed,
    deliver,
    handled,
    published,
    deadLettered,
    debug,
  };
}

describe('EventConsumer', () => {
  it('subscribes to every topic of its table and reads all their partitions at once', async () => {
    const t = setup();
    await t.start();
    expect(t.subscribed).toEqual([['reactions', 'social']]);
    expect(t.run().partitionsConsumedConcurrently).toBe(5);
  });

  it('hands each event to the handler of its topic and type', async () => {
    const t = setup();
    await t.start();
    await t.deliver('reactions', { type: 'post.liked', post: 'p1', by: 'ann' });
    await t.deliver('social', { type: 'user.followed', follower: 'ann', followee: 'bob' });
    await t.deliver('reactions', { type: 'post.shared', post: 'p2' });
    expect(t.handled).toEqual(['liked p1 by ann', 'ann follows bob', 'shared p2']);
    expect(t.published).toEqual([]);
  });

  it.each([
    ['an empty message', null, 'empty message'],
    ['an empty value', '', 'empty message'],
    ['a value that is not JSON', '{"type":', 'not JSON'],
    ['an event without a type', { post: 'p1' }, 'type: missing or not a string'],
    ['JSON that is no object', '42', 'type: missing or not a string'],
    ['an event of an unknown type', { type: 'post.pinned', post: 'p1' }, 'type: unknown event type "post.pinned"'],
    ['a type of another topic', { type: 'user.followed' }, 'type: unknown event type "user.followed"'],
    ['a type named like an object member', { type: 'toString' }, 'type: unknown event type "toString"'],
    ['an event that fails its schema', { type: 'post.liked', post: 'p1' }, 'by: Invalid input'],
  ])('dead-letters %s to the declared topic, with the reason and the source', async (_what, value, reason) => {
    const t = setup();
    await t.start();
    await t.deliver('reactions', value);
    expect(t.handled).toEqual([]);
    expect(t.published).toEqual([
      {
        topic: 'reactions-dead',
        key: 'k1',
        value: value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value),
        headers: {
          reason: expect.stringContaining(reason),
          'source-topic': 'reactions',
          'source-partition': '1',
          'source-offset': '7',
        },
      },
    ]);
    expect(t.deadLettered).toEqual([t.published[0]?.headers?.reason]);
  });

  it("dead-letters to each topic's own dead-letter topic", async () => {
    const t = setup();
    await t.start();
    await t.deliver('social', 'nope');
    expect(t.published.map((m) => m.topic)).toEqual(['social-letters']);
  });

  it('rejects when a handler rejects, so the offset is not committed and the message comes again', async () => {
    const like = vi.fn<() => Promise<boolean | void>>().mockRejectedValueOnce(new Error('redis away'));
    const t = setup({ like });
    await t.start();
    const event = { type: 'post.liked', post: 'p1', by: 'ann' };
    await expect(t.deliver('reactions', event)).rejects.toThrow('redis away');
    expect(t.published).toEqual([]);
    expect(t.deadLettered).toEqual([]);
    await t.deliver('reactions', event); // kafkajs redelivers it
    expect(t.handled).toEqual(['liked p1 by ann', 'liked p1 by ann']);
  });

  it('rejects when the dead letter cannot be published, and counts it only once it was', async () => {
    const t = setup({ publish: () => Promise.reject(new Error('kafka away')) });
    await t.start();
    await expect(t.deliver('reactions', 'nope')).rejects.toThrow('kafka away');
    expect(t.deadLettered).toEqual([]);
  });

  it('reports an event that changed nothing', async () => {
    const t = setup({ like: async () => false });
    await t.start();
    await t.deliver('reactions', { type: 'post.liked', post: 'p1', by: 'ann' }, '12');
    expect(t.debug).toHaveBeenCalledWith(
      { topic: 'reactions', partition: 1, offset: '12', type: 'post.liked' },
      'event changed nothing (repeated or stale)',
    );
  });

  it('refuses a message of a topic it has no entry for', async () => {
    const t = setup();
    await t.start();
    await expect(t.deliver('elsewhere', { type: 'post.shared', post: 'p' })).rejects.toThrow(
      'no subscription for topic elsewhere',
    );
  });

  it('refuses two entries for one topic', () => {
    const entry = subscription({ topic: socialTopic, schema: followed, handlers: { 'user.followed': async () => {} } });
    expect(
      () =>
        new EventConsumer({ consumer: () => ({}) } as unknown as Kafka, {
          groupId: 'g',
          logger: pino({ level: 'silent' }),
          deadLetters: { publish: async () => {}, close: async () => {} },
          subscriptions: [entry, entry],
        }),
    ).toThrow('two subscriptions for topic social');
  });
});
