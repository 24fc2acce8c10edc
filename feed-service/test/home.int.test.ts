import { randomUUID } from 'node:crypto';
import type { PostEvent, ScoredPlace } from '@feedmesh/common';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { stack } from '@feedmesh/testkit';
import { FEED_DEFAULTS, FeedStore } from '../src/feeds.js';
import type { HomeSettings } from '../src/home.js';
import { created, createdAt, deleted, follow, unfollow, updated } from './events.js';

// Home timelines and their follow graph against the stack's real Redis, on keys of the test's own.
const redis = new Redis(stack.redisUrl);
const stores: FeedStore[] = [];
const newStore = (home: Partial<HomeSettings> = {}) => {
  const prefix = `hometest:${process.pid}:${randomUUID()}`;
  const store = new FeedStore(redis, { global: 50, perUser: 20 }, prefix, { ...FEED_DEFAULTS.home, ...home });
  stores.push(store);
  return store;
};
afterAll(async () => {
  for (const s of stores) await s.wipe();
  await redis.quit();
});

const user = () => randomUUID();
/** Marks readers as having just read their home timeline: fan-out writes only active readers' timelines. */
const active = (store: FeedStore, ...readers: string[]) =>
  redis.zadd(store.keys.readers(), ...readers.flatMap((r) => [Date.now(), r]));

describe('the follow graph feed-service keeps', () => {
  it('applies follows and unfollows to both sides, each once', async () => {
    const store = newStore();
    const [ann, bob, cy] = [user(), user(), user()];
    expect(await store.home.applyFollows([follow(ann, bob, 1), follow(cy, bob, 1), follow(ann, cy, 1)])).toEqual([
      true,
      true,
      true,
    ]);
    expect((await store.home.followers(bob)).sort()).toEqual([ann, cy].sort());
    expect((await store.home.followees(ann)).sort()).toEqual([bob, cy].sort());
    expect(await store.home.applyFollows([follow(ann, bob, 1)])).toEqual([false]); // a duplicate
    expect(await store.home.applyFollows([unfollow(ann, bob, 2), unfollow(ann, bob, 2)])).toEqual([true, false]);
    expect(await store.home.followers(bob)).toEqual([cy]);
    expect(await store.home.followees(ann)).toEqual([cy]);
  });

  it('drops a stale change by the pair version, whatever order they come in', async () => {
    const store = newStore();
    const [ann, bob] = [user(), user()];
    // Followed (1), unfollowed (2), followed again (3): the last one wins even when it comes first.
    expect(await store.home.applyFollows([follow(ann, bob, 3), unfollow(ann, bob, 2), follow(ann, bob, 1)])).toEqual([
      true,
      false,
      false,
    ]);
    expect(await store.home.followers(bob)).toEqual([ann]);
    await store.home.applyFollows([unfollow(ann, bob, 4)]);
    // A replay of the whole log from the start changes nothing.
    const replay = [follow(ann, bob, 1), unfollow(ann, bob, 2), follow(ann, bob, 3), unfollow(ann, bob, 4)];
    expect(await store.home.applyFollows(replay)).toEqual([false, false, false, false]);
    expect(await store.home.followers(bob)).toEqual([]);
    expect(await store.home.followees(ann)).toEqual([]);
  });

  it('keeps each pair apart: one pair version says nothing about another pair', async () => {
    const store = newStore();
    const [ann, bob, cy] = [user(), user(), user()];
    await store.home.applyFollows([follow(ann, bob, 5)]);
    expect(await store.home.applyFollows([follow(ann, cy, 1), follow(cy, bob, 1)])).toEqual([true, true]);
    expect((await store.home.followers(bob)).sort()).toEqual([ann, cy].sort());
  });
});

const titles = async (store: FeedStore, reader: string) =>
  (await store.home.page(reader, 100)).items.map((i) => i.title);
const title = (e: PostEvent) => (e.type === 'post.deleted' ? '' : e.data.title);

describe('home timelines', () => {
  it("hold the author's own posts and those of whom the reader follows, newest first, nobody else's", async () => {
    const store = newStore();
    const [ann, bob, cy] = [user(), user(), user()];
    await store.home.applyFollows([follow(ann, bob, 1)]);
    const posts = [created(bob, 'bob 1'), created(cy, 'cy 1'), created(ann, 'ann 1'), created(bob, 'bob 2')];
    await store.applyAll(posts);
    expect(await titles(store, ann)).toEqual(['bob 2', 'ann 1', 'bob 1']);
    expect(await titles(store, bob)).toEqual(['bob 2', 'bob 1']);
    expect(await titles(store, cy)).toEqual(['cy 1']);
  });

  it('keep ids only: an edit shows in every timeline at once, a deletion in none, and its id is trimmed on read', async () => {
    const store = newStore();
    const [ann, bob, cy] = [user(), user(), user()];
    await store.home.applyFollows([follow(ann, bob, 1), follow(cy, bob, 1)]);
    const [a, b] = [created(bob, 'a'), created(bob, 'b')];
    await store.applyAll([a, b]);
    await store.apply(updated(a, 'a (edited)'));
    for (const reader of [ann, bob, cy]) expect(await titles(store, reader)).toEqual(['b', 'a (edited)']);
    // One snapshot, whatever the number of timelines.
    expect(await redis.hget(store.keys.posts(), a.data.id)).toContain('a (edited)');
    await store.apply(deleted(b, 2));
    expect(await store.home.ids(ann)).toContain(b.data.id); // not yet trimmed
    for (const reader of [ann, bob, cy]) expect(await titles(store, reader)).toEqual(['a (edited)']);
    expect(await store.home.ids(ann)).toEqual([a.data.id]);
  });

  it('take in a post whose edit arrives before its creation (two instances publishing), as edited', async () => {
    const store = newStore();
    const [ann, bob] = [user(), user()];
    await store.home.applyFollows([follow(ann, bob, 1)]);
    const post = created(bob, 'first');
    await store.apply(updated(post, 'first (edited)'));
    // At once, not only when the late creation comes.
    expect(await titles(store, ann)).toEqual(['first (edited)']);
    expect(await titles(store, bob)).toEqual(['first (edited)']);
    expect(await store.apply(post)).toBe(false);
    expect(await titles(store, ann)).toEqual(['first (edited)']);
  });

  it('keep the newest of their cap, whatever order the posts arrive in', async () => {
    const store = newStore({ cap: 3 });
    const ann = user();
    const posts = Array.from({ length: 6 }, (_, i) => created(ann, `p${i}`));
    for (const e of [posts[3]!, posts[0]!, posts[5]!, posts[1]!, posts[4]!, posts[2]!]) await store.apply(e);
    expect(await titles(store, ann)).toEqual(['p5', 'p4', 'p3']);
  });

  it('finish a fan-out when the creation comes again (a crash halfway), and change nothing else', async () => {
    const store = newStore();
    const [ann, bob, cy] = [user(), user(), user()];
    await store.home.applyFollows([follow(ann, bob, 1), follow(cy, bob, 1)]);
    const post = created(bob, 'once');
    await store.apply(post);
    await redis.zrem(store.keys.home(cy), post.data.id); // as if the fan-out had stopped before cy
    expect(await store.apply(post)).toBe(false);
    expect(await titles(store, cy)).toEqual(['once']);
    expect(await titles(store, ann)).toEqual(['once']);
    expect(await store.stats()).toMatchObject({ events_applied: 1, duplicates_skipped: 1 });
  });

  it('fan out a large follower set in bounded chunks, while other authors posts get through', async () => {
    const chunk = 100;
    const store = newStore({ fanoutChunk: chunk });
    const [star, other] = [user(), user()];
    const fans = Array.from({ length: 2_000 }, () => user());
    for (let i = 0; i < fans.length; i += 500) {
      await store.home.applyFollows(fans.slice(i, i + 500).map((f) => follow(f, star, 1)));
    }
    await active(store, ...fans);
    const big = created(star, 'to everyone');
    const small = created(other, 'meanwhile');
    const done: string[] = [];
    const calls: number[] = [];
    const monitor = redis.duplicate();
    await monitor.monitor().then((m) =>
      m.on('monitor', (_time: string, args: string[]) => {
        if (args[0]?.toLowerCase() === 'evalsha' && args.includes(big.data.id)) calls.push(Number(args[2]));
      }),
    );
    await Promise.all([
      store.applyAll([big]).then(() => done.push('big')),
      store.applyAll([small]).then(() => done.push('small')),
    ]);
    await monitor.quit();
    // The other author's post was through long before the large fan-out ended.
    expect(done).toEqual(['small', 'big']);
    const pipeline = redis.pipeline();
    for (const f of fans) pipeline.zscore(store.keys.home(f), big.data.id);
    const scores = ((await pipeline.exec()) ?? []).map(([, s]) => s);
    expect(scores.filter((s) => s === null)).toEqual([]);
    expect(await titles(store, star)).toEqual([title(big)]);
    // Each fan-out call wrote at most a chunk of timelines (its keys: five of the author's, then the timelines).
    const fanOuts = calls.filter((n) => n > 5);
    expect(fanOuts.length).toBeGreaterThanOrEqual(fans.length / chunk);
    for (const n of fanOuts) expect(n - 5).toBeLessThanOrEqual(chunk);
  });

  it('fail the event when any chunk of a fan-out fails, so that it is retried, not half done', async () => {
    const store = newStore({ fanoutChunk: 50 });
    const star = user();
    const fans = Array.from({ length: 300 }, () => user());
    await store.home.applyFollows(fans.map((f) => follow(f, star, 1)));
    await active(store, ...fans);
    // A timeline the script cannot write, past the first chunk (SSCAN answers the same pages again).
    const [, firstPage] = await redis.sscan(store.keys.followers(star), '0', 'COUNT', 50);
    const late = fans.find((f) => !firstPage.includes(f))!;
    await redis.set(store.keys.home(late), 'not a timeline');
    await expect(store.applyAll([created(star, 'half')])).rejects.toThrow(/WRONGTYPE/);
    await redis.del(store.keys.home(late));
  });

  it('page by cursor with nothing skipped or repeated while posts arrive, tie on a time or are deleted', async () => {
    const store = newStore();
    const [ann, bob] = [user(), user()];
    await store.home.applyFollows([follow(ann, bob, 1)]);
    // Posts of one millisecond order by id: a page may end inside such a run.
    const base = Date.parse('2026-03-01T00:00:00Z');
    const old = Array.from({ length: 30 }, (_, i) =>
      createdAt(i % 2 ? ann : bob, `old ${i}`, new Date(base + Math.floor(i / 4) * 1000).toISOString()),
    );
    await store.applyAll(old);
    const expected = old
      .map((e) => e.data)
      .sort((x, y) => y.created_at.localeCompare(x.created_at) || (y.id < x.id ? -1 : 1))
      .map((p) => p.id);

    const seen: string[] = [];
    let page = await store.home.page(ann, 7);
    seen.push(...page.items.map((i) => i.id));
    let round = 0;
    while (page.next) {
      // Meanwhile: newer posts above the reader, one more at the cursor's own time, and a deletion further down.
      await store.apply(createdAt(bob, `new ${round}`, new Date(base + 86_400_000 + round).toISOString()));
      await store.apply(
        createdAt(bob, `tie ${round}`, new Date(page.next.score).toISOString(), `z${round}`.padEnd(24, '0')),
      );
      const later = expected[seen.length + 3];
      if (round === 1 && later) {
        await store.apply(deleted(old.find((e) => e.data.id === later)!));
        expected.splice(expected.indexOf(later), 1);
      }
      page = await store.home.page(ann, 7, page.next);
      seen.push(...page.items.map((i) => i.id));
      round++;
    }
    // The ties sort above the cursor's id ('z…' above any hex), so they belong to pages already read.
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(round).toBeGreaterThanOrEqual(4);
  });

  it('say where the next page starts only when there is one', async () => {
    const store = newStore();
    const ann = user();
    await store.applyAll([created(ann, 'a'), created(ann, 'b')]);
    expect((await store.home.page(ann, 2)).next).toBeNull();
    const first = await store.home.page(ann, 1);
    expect(first.items.map((i) => i.title)).toEqual(['b']);
    const second = await store.home.page(ann, 1, first.next!);
    expect(second).toEqual({ items: [expect.objectContaining({ title: 'a' })], next: null });
    expect(await store.home.page(user(), 5)).toEqual({ items: [], next: null });
  });
});

describe('a follow and an unfollow in a home timeline', () => {
  it("brings the followee's newest posts in, each in its place by time", async () => {
    const store = newStore({ backfill: 3 });
    const [ann, bob] = [user(), user()];
    const posts = [created(bob, 'b0'), created(ann, 'a0'), created(bob, 'b1'), created(bob, 'b2'), created(ann, 'a1')];
    await store.applyAll([...posts, created(bob, 'b3')]);
    expect(await titles(store, ann)).toEqual(['a1', 'a0']);
    await store.home.applyFollows([follow(ann, bob, 1)]);
    expect(await titles(store, ann)).toEqual(['b3', 'a1', 'b2', 'b1', 'a0']); // b0: past the backfill of 3
  });

  it('backfills no deleted post, so none takes a place under the cap', async () => {
    const store = newStore({ backfill: 2 });
    const [ann, bob] = [user(), user()];
    const [older, kept, gone] = [created(bob, 'older'), created(bob, 'kept'), created(bob, 'gone')];
    await active(store, ann);
    await store.applyAll([older, kept, gone, deleted(gone, 2)]);
    await store.home.applyFollows([follow(ann, bob, 1)]);
    expect(await store.home.ids(ann)).toEqual([kept.data.id, older.data.id]);
  });

  it('backfills thousands of posts in one follow (more than one Lua call can unpack)', async () => {
    const prefix = `hometest:${process.pid}:${randomUUID()}`;
    const store = new FeedStore(redis, { global: 50, perUser: 5_000 }, prefix, {
      ...FEED_DEFAULTS.home,
      cap: 5_000,
      backfill: 4_500,
    });
    stores.push(store);
    const [ann, bob] = [user(), user()];
    await active(store, ann);
    const posts = Array.from({ length: 4_500 }, (_, i) => created(bob, `b${i}`));
    for (let i = 0; i < posts.length; i += 256) await store.applyAll(posts.slice(i, i + 256));
    await store.home.applyFollows([follow(ann, bob, 1)]);
    expect((await store.home.ids(ann)).length).toBe(4_500);
  });

  it('holds the same posts whichever topic was read first: those since the follow and the newest before it', async () => {
    const settings = { backfill: 2 };
    const [ann, bob] = [user(), user()];
    const posts = Array.from({ length: 6 }, (_, i) => created(bob, `b${i}`));
    // The follow began between b3 and b4: b4 and b5 since, b3 and b2 the newest two before.
    const began = follow(ann, bob, 1);
    began.time = new Date(
      (Date.parse(posts[3]!.data.created_at) + Date.parse(posts[4]!.data.created_at)) / 2,
    ).toISOString();
    const orders = [
      async (store: FeedStore) => {
        await store.applyAll(posts);
        await store.home.applyFollows([began]);
      },
      async (store: FeedStore) => {
        await store.home.applyFollows([began]);
        for (const i of [0, 5, 1, 4, 2, 3]) await store.apply(posts[i]!);
      },
      async (store: FeedStore) => {
        await store.applyAll(posts.slice(3));
        await store.home.applyFollows([began]);
        await store.applyAll(posts.slice(0, 3).reverse());
      },
      // Late posts from before the follow in one call (one fetch of several partitions), after its backfill.
      async (store: FeedStore) => {
        await store.applyAll(posts.slice(0, 2));
        await store.home.applyFollows([began]);
        await store.applyAll([posts[2]!, posts[3]!, posts[5]!, posts[4]!]);
      },
    ];
    for (const order of orders) {
      const store = newStore(settings);
      await active(store, ann);
      await order(store);
      expect((await titles(store, ann)).join(' ')).toBe('b5 b4 b3 b2');
    }
  });

  it('leave an inactive follower alone, whose next read shows what an active one sees', async () => {
    const store = newStore({ backfill: 2 });
    const [ann, cy, bob] = [user(), user(), user()];
    await active(store, cy);
    await store.applyAll([created(bob, 'b0'), created(bob, 'b1'), created(bob, 'b2')]);
    await store.home.applyFollows([follow(ann, bob, 1), follow(cy, bob, 1)]);
    expect(await store.home.ids(ann)).toEqual([]);
    await store.applyAll([created(bob, 'b3')]);
    expect(await titles(store, cy)).toEqual(['b3', 'b2', 'b1']);
    expect(await titles(store, ann)).toEqual(['b3', 'b2', 'b1']);
  });

  it('brings nothing in with a backfill of 0', async () => {
    const store = newStore({ backfill: 0 });
    const [ann, bob] = [user(), user()];
    await store.applyAll([created(bob, 'b0'), created(ann, 'a0')]);
    await store.home.applyFollows([follow(ann, bob, 1)]);
    expect(await titles(store, ann)).toEqual(['a0']);
  });

  it("takes every one of the followee's posts out, and leaves the reader's own and the others'", async () => {
    const store = newStore();
    const [ann, bob, cy] = [user(), user(), user()];
    await store.home.applyFollows([follow(ann, bob, 1), follow(ann, cy, 1)]);
    await store.applyAll([created(bob, 'b0'), created(cy, 'c0'), created(ann, 'a0'), created(bob, 'b1')]);
    const before = await store.home.ids(ann);
    expect(await titles(store, ann)).toEqual(['b1', 'a0', 'c0', 'b0']);
    await store.home.applyFollows([unfollow(ann, bob, 2)]);
    expect(await titles(store, ann)).toEqual(['a0', 'c0']);
    // Bob's next post does not come back, nor does a replay of the follow bring his old ones.
    await store.apply(created(bob, 'b2'));
    expect(await store.home.applyFollows([follow(ann, bob, 1)])).toEqual([false]);
    expect(await titles(store, ann)).toEqual(['a0', 'c0']);
    // Following again brings them back, as a first follow does.
    await store.home.applyFollows([follow(ann, bob, 3)]);
    expect(await titles(store, ann)).toEqual(['b2', 'b1', 'a0', 'c0', 'b0']);
    expect(await store.home.ids(ann)).toEqual(expect.arrayContaining(before));
  });

  it('changes nothing when a social event comes again, the whole log replayed included', async () => {
    const store = newStore();
    const [ann, bob, cy] = [user(), user(), user()];
    const log = [follow(ann, bob, 1), follow(ann, cy, 1), unfollow(ann, cy, 2)];
    await active(store, ann);
    await store.applyAll([created(bob, 'b0'), created(cy, 'c0')]);
    await store.home.applyFollows(log);
    await store.applyAll([created(bob, 'b1'), created(cy, 'c1'), created(ann, 'a0')]);
    const state = async () => ({
      home: await store.home.ids(ann),
      followees: await store.home.followees(ann),
      bob: await store.home.followers(bob),
      cy: await store.home.followers(cy),
    });
    const before = await state();
    expect(await titles(store, ann)).toEqual(['a0', 'b1', 'b0']);
    expect(await store.home.applyFollows([...log, log[2]!])).toEqual([false, false, false, false]);
    expect(await state()).toEqual(before);
  });

  it('writes nothing into the timeline of a follower who left, even from a fan-out already under way', async () => {
    const store = newStore();
    const [ann, bob] = [user(), user()];
    await store.home.applyFollows([follow(ann, bob, 1)]);
    await active(store, ann);
    const post = created(bob, 'late');
    await store.apply(post);
    await store.home.applyFollows([unfollow(ann, bob, 2)]);
    // A fan-out that read ann among the followers before the unfollow, writing after its purge.
    const script = redis as unknown as { fanOut(...args: Array<string | number>): Promise<number> };
    const [followers, timeline] = [store.keys.followers(bob), store.keys.home(ann)];
    await script.fanOut(
      6,
      store.keys.posts(),
      followers,
      store.keys.readers(),
      store.keys.followedAt(),
      store.keys.authored(bob),
      timeline,
      post.data.id,
      Date.parse(post.data.created_at),
      800,
      0,
      bob,
      100,
      ann,
    );
    expect(await titles(store, ann)).toEqual([]);
    expect(await titles(store, bob)).toEqual(['late']);
  });
});

describe('celebrities', () => {
  // A threshold of 2 followers: a third makes a celebrity.
  const celebrityStore = () => newStore({ celebrityFollowers: 2 });
  const fans = async (store: FeedStore, star: string, readers: string[]) => {
    await active(store, ...readers);
    return store.home.applyFollows(readers.map((reader) => follow(reader, star, 1)));
  };

  it("are not fanned out: their posts are merged into each follower's page on read, in their places", async () => {
    const store = celebrityStore();
    const [star, ann, bob, cy, dee] = [user(), user(), user(), user(), user()];
    await fans(store, star, [ann, bob, cy]);
    await store.home.applyFollows([follow(ann, dee, 1)]);
    expect(await store.home.isCelebrity(star)).toBe(true);
    expect(await store.home.isCelebrity(dee)).toBe(false);
    await store.applyAll([created(star, 's1'), created(dee, 'd1'), created(ann, 'a1'), created(star, 's2')]);
    expect(await titles(store, ann)).toEqual(['s2', 'a1', 'd1', 's1']);
    expect(await titles(store, bob)).toEqual(['s2', 's1']);
    // Written nowhere but the celebrity's own timeline and posts by id.
    expect((await store.home.ids(ann)).length).toBe(2);
    expect(await store.home.ids(bob)).toEqual([]);
    expect(await titles(store, star)).toEqual(['s2', 's1']);
  });

  it('page by cursor across the merged sources with nothing skipped or repeated, ties and deletions included', async () => {
    const store = celebrityStore();
    const [star, other, ann] = [user(), user(), user()];
    await fans(store, star, [ann, user(), user()]);
    await store.home.applyFollows([follow(ann, other, 1)]);
    // Pairs of posts of both at the same millisecond, and some deleted.
    const posts: PostEvent[] = [];
    for (let i = 0; i < 30; i++) {
      const at = new Date(Date.parse('2026-03-01T00:00:00Z') + Math.floor(i / 2) * 1000).toISOString();
      posts.push(createdAt(i % 2 ? star : other, `p${i}`, at));
    }
    await store.applyAll(posts);
    const gone = [posts[4]!, posts[5]!, posts[17]!];
    await store.applyAll(gone.map((e) => deleted(e, 2)));
    const everything = (await store.home.page(ann, 100)).items.map((i) => i.title);
    expect(everything).toHaveLength(27);
    const paged: string[] = [];
    let before: ScoredPlace | undefined;
    for (;;) {
      const { items, next } = await store.home.page(ann, 4, before);
      paged.push(...items.map((i) => i.title));
      if (!next) break;
      before = next;
    }
    expect(paged).toEqual(everything);
    expect(everything).not.toContain('p4');
  });

  it("leave the follower's page on unfollow, and a deleted post of theirs leaves every page", async () => {
    const store = celebrityStore();
    const [star, ann, bob] = [user(), user(), user()];
    await fans(store, star, [ann, bob, user()]);
    const [s1, s2] = [created(star, 's1'), created(star, 's2')];
    await store.applyAll([s1, s2]);
    await store.apply(deleted(s1, 2));
    expect(await titles(store, bob)).toEqual(['s2']);
    await store.home.applyFollows([unfollow(ann, star, 2)]);
    expect(await titles(store, ann)).toEqual([]);
    expect(await titles(store, bob)).toEqual(['s2']);
  });

  it('show in a page as soon as they are followed, though the reader was last seen following none', async () => {
    const store = celebrityStore();
    const [star, ann] = [user(), user()];
    await fans(store, star, [user(), user(), user()]);
    await store.applyAll([created(star, 's1')]);
    expect(await titles(store, ann)).toEqual([]); // the reader's celebrities (none) remembered
    await store.home.applyFollows([follow(ann, star, 1)]);
    expect(await titles(store, ann)).toEqual(['s1']);
    // Nothing was copied into the timeline: the page merged it.
    expect(await store.home.ids(ann)).toEqual([]);
  });

  it('stay celebrities when their followers drop below the threshold: nothing they wrote meanwhile goes missing', async () => {
    const store = celebrityStore();
    const [star, ann, bob, cy] = [user(), user(), user(), user()];
    await fans(store, star, [ann, bob, cy]);
    await store.applyAll([created(star, 's1')]);
    await store.home.applyFollows([unfollow(bob, star, 2), unfollow(cy, star, 2)]);
    await store.applyAll([created(star, 's2')]);
    expect(await store.home.isCelebrity(star)).toBe(true);
    expect(await titles(store, ann)).toEqual(['s2', 's1']);
  });
});

describe('inactive readers', () => {
  const longAgo = (store: FeedStore, reader: string) =>
    redis.zadd(store.keys.readers(), Date.now() - 8 * 86_400_000, reader);

  it('cost no fan-out, and get their timeline regenerated on their next read, in order', async () => {
    const store = newStore();
    const [ann, bob, cy, dee] = [user(), user(), user(), user()];
    await store.home.applyFollows([follow(ann, bob, 1), follow(ann, cy, 1), follow(dee, bob, 1)]);
    await active(store, dee);
    await longAgo(store, ann);
    const posts = [created(bob, 'b0'), created(cy, 'c0'), created(ann, 'a0'), created(bob, 'b1')];
    await store.applyAll(posts);
    // Skipped: only the reader's own post, which its script writes with it.
    expect(await store.home.ids(ann)).toEqual([posts[2]!.data.id]);
    expect(await titles(store, dee)).toEqual(['b1', 'b0']);
    expect(await titles(store, ann)).toEqual(['b1', 'a0', 'c0', 'b0']);
    // Active again: the next post is fanned out to them.
    const next = created(cy, 'c1');
    await store.apply(next);
    expect(await store.home.ids(ann)).toContain(next.data.id);
  });

  it('count as inactive before their first read, and their first page is complete', async () => {
    const store = newStore();
    const [ann, bob] = [user(), user()];
    await store.home.applyFollows([follow(ann, bob, 1)]);
    await store.applyAll([created(bob, 'b0'), created(bob, 'b1')]);
    expect(await titles(store, ann)).toEqual(['b1', 'b0']);
  });

  it('regenerate nothing of whom they no longer follow, and leave celebrities to the merge', async () => {
    const store = newStore({ celebrityFollowers: 2 });
    const [ann, bob, star] = [user(), user(), user()];
    await store.home.applyFollows([
      follow(ann, bob, 1),
      follow(ann, star, 1),
      follow(user(), star, 1),
      follow(user(), star, 1),
    ]);
    await store.applyAll([created(bob, 'b0'), created(star, 's0')]);
    await store.home.applyFollows([unfollow(ann, bob, 2)]);
    expect(await titles(store, ann)).toEqual(['s0']);
    expect(await store.home.ids(ann)).toEqual([]);
  });

  it("answer a returning reader's first page in well under a second, following 500 users of 10 posts", async () => {
    const store = newStore();
    const reader = user();
    const authors = Array.from({ length: 500 }, () => user());
    await store.home.applyFollows(authors.map((a) => follow(reader, a, 1)));
    for (let round = 0; round < 10; round++) await store.applyAll(authors.map((a) => created(a, `r${round}`)));
    const t0 = performance.now();
    const { items } = await store.home.page(reader, 20);
    const took = performance.now() - t0;
    expect(items.map((i) => i.title)).toEqual(Array.from({ length: 20 }, () => 'r9'));
    expect(await redis.zcard(store.keys.home(reader))).toBe(800);
    expect(took).toBeLessThan(1_000);
  });
});
