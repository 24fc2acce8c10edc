import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { EventConsumer, subscription, type SubscribedTopic } from '../src/consumer.js';
import type { OutgoingMessage } from '../src/kafka.js';

// The dispatch table without a broker: a fake kafkajs client hands the
// consumer's own eachBatch to the test, which plays Kafka's part (batches of
// one partition, the offsets resolved, the commits asked for).
const liked = z.object({ type: z.literal('post.liked'), post: z.string(), by: z.string() });
const shared = z.object({ type: z.literal('post.shared'), post: z.string() });
const followed = z.object({ type: z.literal('user.followed'), follower: z.string(), followee: z.string() });
const reactions = z.discriminatedUnion('type', [liked, shared]);

const reactionsTopic: SubscribedTopic = { name: 'reactions', deadLetter: 'reactions-dead', partitions: 3 };
const socialTopic: SubscribedTopic = { name: 'social', deadLetter: 'social-letters', partitions: 2 };

function setup(opts: { like?: () => Promise<boolean | void>; publish?: () => Promise<void> } = {}) {
  const handled: string[] = [];
  const calls: number[] = [];
  const resolved: string[] = [];
  const commits: Array<Array<{ topic: string; partition: number; offset: string }>> = [];
  let onJoin: (e: { payload: { memberAssignment: Record<string, number[]> } }) => void = () => undefined;
  const published: OutgoingMessage[] = [];
  const deadLettered: string[] = [];
  const logger = pino({ level: 'silent' });
  const debug = vi.spyOn(logger, 'debug');
  let run: {
    eachBatch: (p: EachBatchPayload) => Promise<void>;
    partitionsConsumedConcurrently?: number;
    autoCommit?: boolean;
  };
  const subscribed: string[][] = [];
  const fake = {
    connect: async () => undefined,
    subscribe: async ({ topics }: { topics: string[] }) => void subscribed.push(topics),
    run: async (config: typeof run) => void (run = config),
    disconnect: async () => undefined,
    commitOffsets: async (offsets: (typeof commits)[number]) => void commits.push(offsets),
    events: { GROUP_JOIN: 'consumer.group_join' },
    on: (_event: string, listener: typeof onJoin) => void (onJoin = listener),
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
          'post.liked': async (events) => {
            calls.push(events.length);
            const results = [];
            for (const e of events) {
              handled.push(`liked ${e.post} by ${e.by}`);
              results.push(await opts.like?.());
            }
            return results;
          },
          'post.shared': async (events) => {
            calls.push(events.length);
            for (const e of events) handled.push(`shared ${e.post}`);
          },
        },
      }),
      subscription({
        topic: socialTopic,
        schema: followed,
        handlers: {
          'user.followed': async (events) => {
            calls.push(events.length);
            for (const e of events) handled.push(`${e.follower} follows ${e.followee}`);
          },
        },
      }),
    ],
  });
  const message = (value: unknown, offset: string): KafkaMessage => ({
    key: Buffer.from('k1'),
    value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    offset,
    timestamp: '0',
    attributes: 0,
    headers: {},
  });
  /** One fetched batch of partition 1: the values at offsets from `first` on. */
  const deliverBatch = (topic: string, values: unknown[], first = 7, partition = 1) =>
    run.eachBatch({
      batch: { topic, partition, messages: values.map((v, i) => message(v, String(first + i))) },
      resolveOffset: (offset: string) => void resolved.push(offset),
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload);
  const deliver = (topic: string, value: unknown, offset = '7') => deliverBatch(topic, [value], Number(offset));
  return {
    start: () => consumer.start(),
    stop: () => consumer.stop(),
    run: () => run,
    deliverBatch,
    calls,
    resolved,
    commits,
    rebalance: (memberAssignment: Record<string, number[]>) => onJoin({ payload: { memberAssignment } }),
    subscribed,
    deliver,
    handled,
    published,
    deadLettered,
    debug,
  };
}

afterEach(() => void vi.useRealTimers());

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

  it('applies a batch in one handler call per run of events sharing a handler, in order, around dead letters', async () => {
    const t = setup();
    await t.start();
    const like = (post: string) => ({ type: 'post.liked', post, by: 'ann' });
    await t.deliverBatch('reactions', [
      like('p1'),
      like('p2'),
      like('p3'),
      'nope',
      like('p4'),
      { type: 'post.shared', post: 'p5' },
    ]);
    expect(t.handled).toEqual([
      'liked p1 by ann',
      'liked p2 by ann',
      'liked p3 by ann',
      'liked p4 by ann',
      'shared p5',
    ]);
    expect(t.calls).toEqual([3, 1, 1]);
    expect(t.published.map((m) => m.headers?.['source-offset'])).toEqual(['10']);
    // Each run and each dead letter moves the partition on once it is done.
    expect(t.resolved).toEqual(['9', '10', '11', '12']);
  });

  it('moves the partition on only past what was applied when a later run fails', async () => {
    const t = setup({ publish: () => Promise.reject(new Error('kafka away')) });
    await t.start();
    const like = { type: 'post.liked', post: 'p1', by: 'ann' };
    await expect(t.deliverBatch('reactions', [like, like, 'nope', like])).rejects.toThrow('kafka away');
    expect(t.resolved).toEqual(['8']);
    expect(t.handled).toHaveLength(2);
  });

  it('commits what was applied itself, at most every 500 ms, one commit for many batches, and once more on stop', async () => {
    // The commit timer's; handler calls still go on the next turn of the event loop (setImmediate).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const t = setup();
    await t.start();
    expect(t.run().autoCommit).toBe(false);
    const like = { type: 'post.liked', post: 'p1', by: 'ann' };
    await t.deliverBatch('reactions', [like], 7);
    await t.deliverBatch('reactions', [like, like], 8);
    await t.deliverBatch('social', [{ type: 'user.followed', follower: 'a', followee: 'b' }], 3, 0);
    expect(t.commits).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(t.commits).toEqual([
      [
        { topic: 'reactions', partition: 1, offset: '10' },
        { topic: 'social', partition: 0, offset: '4' },
      ],
    ]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.commits).toHaveLength(1); // nothing new, nothing sent
    await t.deliverBatch('reactions', [like], 10);
    await t.stop();
    expect(t.commits[1]).toEqual([{ topic: 'reactions', partition: 1, offset: '11' }]);
  });

  it('after a rebalance, leaves the offsets of partitions it no longer reads to their new reader', async () => {
    // The commit timer's; handler calls still go on the next turn of the event loop (setImmediate).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const t = setup();
    await t.start();
    await t.deliverBatch('reactions', [{ type: 'post.shared', post: 'p' }], 7, 1);
    await t.deliverBatch('reactions', [{ type: 'post.shared', post: 'p' }], 3, 2);
    t.rebalance({ reactions: [2] });
    await vi.advanceTimersByTimeAsync(500);
    expect(t.commits).toEqual([[{ topic: 'reactions', partition: 2, offset: '4' }]]);
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
