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

/**
 * Opens `reader`'s home stream (resumed from the stream's last change, if
 * `resume`) on a LiveFeed whose read of the reader's followees is followed
 * at once by `meanwhile`: too late for that read, so only the changes
 * stream can tell what it did. Returns the post ids the stream was sent.
 */
async function homeStream(reader: string, resume: boolean, meanwhile: () => Promise<void>) {
  const reads = redis.duplicate();
  const smembers = reads.smembers.bind(reads);
  reads.smembers = (async (key: string) => {
    const members = await smembers(key);
    await meanwhile();
    return members;
  }) as typeof reads.smembers;
  const live = new LiveFeed(redis.duplicate(), reads, store.keys, store.revoked, { maxStreams: 10, maxPerClient: 10 });
  const sent: string[] = [];
  const send = (m: LiveMessage) => {
    if (m.kind === 'change') sent.push((JSON.parse(m.change.data) as { id: string }).id);
  };
  const last = (await redis.xrevrange(store.keys.changes(), '+', '-', 'COUNT', 1))[0]?.[0];
  await live.subscribe({
    client: 'c',
    home: reader,
    ...(resume && last ? { lastEventId: last } : {}),
    send,
    end: () => undefined,
  });
  return {
    sent,
    close: async () => {
      await live.stop();
      reads.disconnect();
    },
  };
}

describe('a home stream', () => {
  it('lets a followee through whose follow is applied while the stream opens', async () => {
    const [reader, author] = [randomUUID(), randomUUID()];
    const stream = await homeStream(reader, false, async () => {
      await store.home.applyFollows([follow(reader, author, 1)]);
    });
    try {
      const theirs = created(author);
      await store.apply(theirs);
      await eventually(async () => stream.sent.includes(theirs.data.id), 5_000);
      expect(stream.sent).toEqual([theirs.data.id]);
    } finally {
      await stream.close();
    }
  });

  it('resumed, sends the post of a followee followed while it caught up, once', async () => {
    const [reader, author] = [randomUUID(), randomUUID()];
    await store.apply(created(randomUUID())); // the stream has a last change to resume from
    const theirs = created(author);
    const stream = await homeStream(reader, true, async () => {
      await store.home.applyFollows([follow(reader, author, 1)]);
      await store.apply(theirs);
    });
    try {
      await eventually(async () => stream.sent.includes(theirs.data.id), 5_000);
      await new Promise((r) => setTimeout(r, 300)); // a repeat would come by now
      expect(stream.sent).toEqual([theirs.data.id]);
    } finally {
      await stream.close();
    }
  });
});
