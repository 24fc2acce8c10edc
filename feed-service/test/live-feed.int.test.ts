import { randomUUID } from 'node:crypto';
import { eventually, stack } from '@feedmesh/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { FeedStore } from '../src/feeds.js';
import { LiveFeed, type LiveMessage } from '../src/live.js';
import { created, follow } from './events.js';

// The live side on the stack's real Redis, on keys of the test's own, for what needs a moment of
// its own choosing: a follow applied while a home stream opens.
const redis = new Redis(stack.redisUrl);
const store = new FeedStore(redis, { global: 50, perUser: 20 }, `livetest:${process.pid}:${randomUUID()}`);
afterAll(async () => {
  await store.wipe();
  await redis.quit();
});

describe('a home stream', () => {
  it('lets a followee through whose follow is applied while the stream opens', async () => {
    const [reader, author] = [randomUUID(), randomUUID()];
    // The follow is applied just after the stream reads the reader's followees: too late for that
    // read, so only the changes stream can tell it, however the two interleave.
    const reads = redis.duplicate();
    const smembers = reads.smembers.bind(reads);
    reads.smembers = (async (key: string) => {
      const members = await smembers(key);
      await store.home.applyFollows([follow(reader, author, 1)]);
      return members;
    }) as typeof reads.smembers;
    const live = new LiveFeed(redis.duplicate(), reads, store.keys, store.revoked, {
      maxStreams: 10,
      maxPerClient: 10,
    });
    const messages: LiveMessage[] = [];
    try {
      await live.subscribe({ client: 'c', home: reader, send: (m) => messages.push(m), end: () => undefined });
      const theirs = created(author);
      await store.apply(theirs);
      await eventually(
        async () =>
          messages.some(
            (m) => m.kind === 'change' && (JSON.parse(m.change.data) as { id: string }).id === theirs.data.id,
          ),
        5_000,
      );
    } finally {
      await live.stop();
      reads.disconnect();
    }
    expect(messages.filter((m) => m.kind === 'change')).toHaveLength(1);
  });
});
