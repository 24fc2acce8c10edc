import { randomUUID } from 'node:crypto';
import type { PostEvent } from '@feedmesh/common';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { stack } from '@feedmesh/testkit';
import { FeedStore } from '../src/feeds.js';
import { created, deleted, updated } from './events.js';

// The Lua-backed store against the stack's real Redis, on keys of the test's own, with small caps.
const redis = new Redis(stack.redisUrl);
const stores: FeedStore[] = [];
const newStore = () => {
  const store = new FeedStore(redis, { global: 5, perUser: 3 }, `feedtest:${process.pid}:${randomUUID()}`);
  stores.push(store);
  return store;
};
afterAll(async () => {
  for (const s of stores) await s.wipe();
  await redis.quit();
});

const titles = async (store: FeedStore, key: string) => (await store.page(key, 0, 100)).map((i) => i.title);

describe('FeedStore', () => {
  it('keeps each feed newest first by creation time, whatever order events arrive in', async () => {
    const store = newStore();
    const events = ['a', 'b', 'c', 'd'].map((t) => created('ann', t));
    for (const e of [events[2]!, events[0]!, events[3]!, events[1]!]) expect(await store.apply(e)).toBe(true);
    expect(await titles(store, store.keys.global())).toEqual(['d', 'c', 'b', 'a']);
    expect(await titles(store, store.keys.user('ann'))).toEqual(['d', 'c', 'b']); // per-author cap: 3
  });

  it('keeps the newest 5 globally and the newest 3 per author', async () => {
    const store = newStore();
    for (let i = 0; i < 8; i++) await store.apply(created(i % 2 ? 'bob' : 'ann', `p${i}`));
    expect(await titles(store, store.keys.global())).toEqual(['p7', 'p6', 'p5', 'p4', 'p3']);
    expect(await titles(store, store.keys.user('ann'))).toEqual(['p6', 'p4', 'p2']);
    expect(await titles(store, store.keys.user('bob'))).toEqual(['p7', 'p5', 'p3']);
  });

  it('shows an update in every feed that holds the post, in place', async () => {
    const store = newStore();
    const [a, b] = [created('ann', 'a'), created('ann', 'b')];
    await store.apply(a);
    await store.apply(b);
    await store.apply(updated(a, 'a (edited)'));
    expect(await titles(store, store.keys.global())).toEqual(['b', 'a (edited)']);
    expect(await titles(store, store.keys.user('ann'))).toEqual(['b', 'a (edited)']);
  });

  it('shows a post whose edit arrives before its creation (two instances publishing), as edited', async () => {
    const store = newStore();
    const [a, b] = [created('ann', 'a'), created('ann', 'b')];
    const edit = updated(a, 'a (edited)');
    await store.apply(b);
    expect(await store.apply(edit)).toBe(true);
    expect(await store.apply(a)).toBe(false); // older than what was applied: skipped
    expect(await titles(store, store.keys.global())).toEqual(['b', 'a (edited)']);
    expect(await titles(store, store.keys.user('ann'))).toEqual(['b', 'a (edited)']);
    // And a deletion that overtakes both leaves nothing behind.
    const c = created('ann', 'c');
    await store.apply(deleted(c, 3));
    await store.apply(updated(c, 'c (edited)'));
    await store.apply(c);
    expect(await titles(store, store.keys.global())).toEqual(['b', 'a (edited)']);
  });

  it('removes a deleted post from every feed, and lets no older post slide back in', async () => {
    const store = newStore();
    const events = Array.from({ length: 6 }, (_, i) => created('ann', `p${i}`));
    for (const e of events) await store.apply(e);
    await store.apply(deleted(events[5]!));
    expect(await titles(store, store.keys.global())).toEqual(['p4', 'p3', 'p2', 'p1']);
    expect(await titles(store, store.keys.user('ann'))).toEqual(['p4', 'p3']);
  });

  it('applies the same event twice as once, and counts the duplicate', async () => {
    const store = newStore();
    const e = created('ann', 'once');
    const u = updated(e, 'twice?');
    expect(await store.apply(e)).toBe(true);
    expect(await store.apply(u)).toBe(true);
    expect(await store.apply(e)).toBe(false);
    expect(await store.apply(u)).toBe(false);
    expect(await titles(store, store.keys.global())).toEqual(['twice?']);
    expect(await store.stats()).toMatchObject({ events_applied: 2, duplicates_skipped: 2, global_length: 1 });
  });

  it('ends in exactly the same feeds for any interleaving of the posts (what a rebuild relies on)', async () => {
    // Per post the order is fixed (one partition); across posts it is not.
    const streams: PostEvent[][] = Array.from({ length: 12 }, (_, i) => {
      const c = created(i % 3 === 0 ? 'ann' : i % 3 === 1 ? 'bob' : 'cy', `p${i}`);
      const s: PostEvent[] = [c];
      if (i % 4 === 1) s.push(updated(c, `p${i}*`));
      if (i % 5 === 2) s.push(deleted(c, s.length + 1));
      return s;
    });
    const interleave = (seed: number) => {
      const queues = streams.map((s) => [...s]);
      const out: PostEvent[] = [];
      let x = seed;
      while (queues.some((q) => q.length)) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        const live = queues.filter((q) => q.length);
        out.push(live[x % live.length]!.shift()!);
      }
      return out;
    };
    const snapshots = [];
    for (const seed of [1, 7, 42]) {
      const store = newStore();
      for (const e of interleave(seed)) await store.apply(e);
      snapshots.push(
        await Promise.all(
          ['ann', 'bob', 'cy']
            .map((u) => store.page(store.keys.user(u), 0, 100))
            .concat(store.page(store.keys.global(), 0, 100)),
        ),
      );
    }
    expect(snapshots[1]).toEqual(snapshots[0]);
    expect(snapshots[2]).toEqual(snapshots[0]);
  });

  it('keeps long feeds (read in chunks, not whole) sorted, capped and edited in place', async () => {
    // Longer than the script's chunk of 32, out of order, with edits and deletions near both ends.
    const store = new FeedStore(redis, { global: 100, perUser: 70 }, `feedtest:${process.pid}:${randomUUID()}`);
    stores.push(store);
    const posts = Array.from({ length: 150 }, (_, i) => created(i % 2 ? 'bob' : 'ann', `p${i}`));
    let x = 7;
    const shuffled = [...posts].sort(() => ((x = (x * 1103515245 + 12345) % 2 ** 31) % 3) - 1);
    for (const e of shuffled) await store.apply(e);
    const edits = [149, 120, 60, 51].map((i) => updated(posts[i]!, `p${i}*`));
    for (const e of edits) await store.apply(e);
    for (const e of [posts[148]!, posts[75]!, posts[52]!]) await store.apply(deleted(e, 3));
    for (let i = 150; i < 160; i++) await store.apply(created('ann', `p${i}`)); // evicts past the deleted ones

    const gone = new Set(['p148', 'p75', 'p52']);
    const edited = new Set(['p149', 'p120', 'p60', 'p51']);
    const expected = (keep: number, author?: string) =>
      Array.from({ length: 160 }, (_, i) => 159 - i)
        .filter((i) => !author || (i < 150 ? (i % 2 ? 'bob' : 'ann') : 'ann') === author)
        .slice(0, keep)
        .map((i) => `p${i}`)
        .filter((t) => !gone.has(t))
        .map((t) => (edited.has(t) ? `${t}*` : t));
    expect(await titles(store, store.keys.global())).toEqual(expected(100));
    expect(await titles(store, store.keys.user('ann'))).toEqual(expected(70, 'ann'));
    expect(await titles(store, store.keys.user('bob'))).toEqual(expected(70, 'bob'));
  });

  it('applies a batch in order in one call, with one result per event, repeats inside it included', async () => {
    const store = newStore();
    const [a, b] = [created('ann', 'a'), created('bob', 'b')];
    const results = await store.applyAll([a, b, updated(a, 'a*'), a, deleted(b)]);
    expect(results).toEqual([true, true, true, false, true]);
    expect(await titles(store, store.keys.global())).toEqual(['a*']);
    expect(await store.stats()).toMatchObject({ events_applied: 4, duplicates_skipped: 1 });
  });

  it('serves a page with limit and skip', async () => {
    const store = newStore();
    for (const t of ['a', 'b', 'c', 'd', 'e']) await store.apply(created('ann', t));
    expect((await store.page(store.keys.global(), 1, 2)).map((i) => i.title)).toEqual(['d', 'c']);
  });
});
