import { readFileSync } from 'node:fs';
import type { PostEvent, PostSnapshot } from '@feedmesh/common';
import type { ChainableCommander, Redis } from 'ioredis';
import { HomeTimelines, scoreOf, type HomeSettings, type NewArrival } from './home.js';
import { RevokedTokens } from './revocations.js';

const applyScript = readFileSync(new URL('../lua/apply-post-event.lua', import.meta.url), 'utf8');

/** ioredis types custom commands loosely: the script's command on a pipeline, and what exec gives back. */
interface ApplyPipeline extends ChainableCommander {
  applyPostEvent(...args: Array<string | number>): ApplyPipeline;
}

/** A pipeline's reply that is missing: treated as the command's failure. */
const NO_ANSWER: [Error, null] = [new Error('no answer from Redis'), null];

/** What apply-post-event.lua answers: stale or repeated, applied, applied as the post's creation. */
const APPLIED = { skipped: 0, changed: 1, created: 2 } as const;

/** One entry of a feed: the post as of its latest applied change, exactly as the events carry it. */
type FeedItem = PostSnapshot;

export interface FeedCaps {
  global: number;
  perUser: number;
}

/**
 * The live feeds' key prefix and caps, unless configured otherwise: the
 * contract's keys, and how many posts the global and each user's feed keep.
 */
export const FEED_DEFAULTS = {
  prefix: 'feed',
  caps: { global: 1000, perUser: 100 },
  // 800 per home timeline, Twitter's figure: about a week of a busy reader's follows.
  // A follow backfills 100 of the followee's posts, GetStream's default.
  // Authors with more than 10 000 followers are merged on read instead of fanned out (BENCHMARKS.md: what each costs).
  // Readers who have not read for 7 days (Mastodon's figure) are not fanned out to.
  // A live stream resumes within the newest 10 000 changes: 100 s at 100 posts/s.
  home: {
    cap: 800,
    fanoutChunk: 256,
    backfill: 100,
    celebrityFollowers: 10_000,
    inactiveAfterMs: 7 * 86_400_000,
    liveWindow: 10_000,
  },
  // Live streams: a heartbeat every 15 s (well inside any proxy's idle timeout), reconnect after 1 s.
  // A stream cut past 1 MiB unread: some 1 000 posts' events, minutes of a busy feed.
  live: { maxStreams: 2_000, maxPerClient: 5, heartbeatMs: 15_000, retryMs: 1_000, maxBufferedBytes: 1 << 20 },
} as const;

/**
 * The materialized feeds in Redis. Key names follow the contract:
 * `feed:activity:global` and `feed:activity:user:<user id>` are lists of
 * JSON items, newest first; the rest is bookkeeping under `feed:`.
 */
export class FeedStore {
  /** Each user's home timeline, and the follow graph it is made from. */
  readonly home: HomeTimelines;
  /** Revoked access tokens: what ends live home streams. */
  readonly revoked: RevokedTokens;

  constructor(
    private readonly redis: Redis,
    readonly caps: FeedCaps = FEED_DEFAULTS.caps,
    /** Lets tests keep their own feeds beside the live ones. */
    readonly prefix: string = FEED_DEFAULTS.prefix,
    home: HomeSettings = FEED_DEFAULTS.home,
  ) {
    redis.defineCommand('applyPostEvent', { numberOfKeys: 10, lua: applyScript });
    this.home = new HomeTimelines(redis, this.keys, home);
    this.revoked = new RevokedTokens(redis, this.keys, home.liveWindow);
  }

  readonly keys = {
    global: () => `${this.prefix}:activity:global`,
    user: (id: string) => `${this.prefix}:activity:user:${id}`,
    globalWindow: () => `${this.prefix}:window:global`,
    userWindow: (id: string) => `${this.prefix}:window:user:${id}`,
    versions: () => `${this.prefix}:versions`,
    stats: () => `${this.prefix}:stats`,
    /** Who follows a user (a set of user ids), and whom a user follows. */
    followers: (id: string) => `${this.prefix}:followers:${id}`,
    followees: (id: string) => `${this.prefix}:following:${id}`,
    /** Each follow pair's latest applied version (hash: `<follower>:<followee>` → version). */
    follows: () => `${this.prefix}:follows`,
    /** When each follow pair's follow began (hash: `<follower>:<followee>` → ms): which of the followee's posts a timeline holds. */
    followedAt: () => `${this.prefix}:followed-at`,
    /** A user's home timeline: a sorted set of post ids, scored by creation time in ms. */
    home: (id: string) => `${this.prefix}:activity:home:${id}`,
    /** Each post's current snapshot, once (hash: post id → JSON): what home timelines' ids stand for. */
    posts: () => `${this.prefix}:posts`,
    /** A user's own posts by id, scored like a home timeline and capped like one. */
    authored: (id: string) => `${this.prefix}:authored:${id}`,
    /** The authors not fanned out but merged into their followers' pages on read (a set of user ids). */
    celebrities: () => `${this.prefix}:celebrities`,
    /** When each reader last read their home timeline (sorted set: user id → ms): who is fanned out to. */
    readers: () => `${this.prefix}:readers`,
    /** Readers whose timeline is being regenerated (a set): their pages wait for it. */
    regenerating: () => `${this.prefix}:regenerating`,
    /** Every change applied, in order (a Redis stream, capped): what live streams are made of, on any instance. */
    changes: () => `${this.prefix}:changes`,
    /** Access tokens revoked (auth-events), by jti, scored by when they would have expired: no live stream of them stays open. */
    revokedTokens: () => `${this.prefix}:revoked-tokens`,
    /** Each user's token generation, below which their tokens are void (hash: user id → generation). */
    tokenGenerations: () => `${this.prefix}:token-generations`,
  };

  /** Applies one event; resolves to false when it was a duplicate or stale. */
  async apply(event: PostEvent): Promise<boolean> {
    const [applied] = await this.applyAll([event]);
    return applied === true;
  }

  /**
   * Applies events in the order given, in one round trip to Redis (one
   * script call each, pipelined, with each creation's first chunk of the
   * author's followers read after it), then fans the new posts out to the
   * followers' home timelines; resolves to one result per event, false for
   * a duplicate or stale one. Rejects if any of them failed: the caller
   * applies them all again, which the versions make harmless.
   *
   * Every `post.created` is fanned out, a repeated one too: a crash between
   * the script and the end of a fan-out leaves the event uncommitted, and
   * its redelivery, skipped by the feeds as a repeat, finishes the fan-out
   * (writing an id twice changes nothing). An edit is fanned out only when
   * it stood in for the creation, which is rare enough to read its
   * followers in a round trip of its own.
   */
  async applyAll(events: PostEvent[]): Promise<boolean[]> {
    const pipeline = this.redis.pipeline() as ApplyPipeline;
    for (const event of events) {
      pipeline.applyPostEvent(...this.applyArgs(event));
      if (event.type === 'post.created') this.home.queueFollowers(pipeline, event.data.author_id);
    }
    const replies = (await pipeline.exec()) ?? [];
    const results: unknown[] = [];
    const arrivals: NewArrival[] = [];
    const standIns = this.redis.pipeline();
    const standInPosts: PostSnapshot[] = [];
    let next = 0;
    for (const event of events) {
      const [err, applied] = replies[next++] ?? NO_ANSWER;
      if (err) throw err;
      results.push(applied);
      if (event.type === 'post.created') {
        arrivals.push({ post: event.data, followers: HomeTimelines.followersPage(replies[next++] ?? NO_ANSWER) });
      } else if (event.type === 'post.updated' && applied === APPLIED.created) {
        this.home.queueFollowers(standIns, event.data.author_id);
        standInPosts.push(event.data);
      }
    }
    if (standInPosts.length > 0) {
      const pages = (await standIns.exec()) ?? [];
      standInPosts.forEach((post, i) =>
        arrivals.push({ post, followers: HomeTimelines.followersPage(pages[i] ?? NO_ANSWER) }),
      );
    }
    await this.home.fanOut(arrivals);
    return results.map((applied) => applied !== APPLIED.skipped);
  }

  private applyArgs(event: PostEvent): Array<string | number> {
    const { id, author_id } = event.data;
    const snapshot = event.type === 'post.deleted' ? undefined : event.data;
    const sortKey = snapshot ? `${snapshot.created_at}|${id}` : '';
    // "id" first: the script finds an item by the prefix {"id":"…".
    const item = snapshot
      ? JSON.stringify({
          id,
          sort_key: sortKey,
          author_id,
          title: snapshot.title,
          content: snapshot.content,
          tags: snapshot.tags,
          created_at: snapshot.created_at,
          updated_at: snapshot.updated_at,
          version: snapshot.version,
        })
      : '';
    return [
      this.keys.global(),
      this.keys.globalWindow(),
      this.keys.user(author_id),
      this.keys.userWindow(author_id),
      this.keys.versions(),
      this.keys.stats(),
      this.keys.posts(),
      this.keys.home(author_id),
      this.keys.authored(author_id),
      this.keys.changes(),
      event.type,
      id,
      event.data.version,
      item,
      sortKey,
      this.caps.global,
      this.caps.perUser,
      event.time,
      snapshot ? JSON.stringify(snapshot) : '',
      this.home.settings.cap,
      snapshot ? scoreOf(snapshot) : 0,
      author_id,
      this.home.settings.liveWindow,
    ];
  }

  /** One page of a feed: a single LRANGE, so its cost is the page size, not the feed length. */
  async page(key: string, skip: number, limit: number): Promise<FeedItem[]> {
    const raw = await this.redis.lrange(key, skip, skip + limit - 1);
    return raw.map((s) => {
      const { sort_key: _sortKey, ...item } = JSON.parse(s) as FeedItem & { sort_key: string };
      return item;
    });
  }

  async countDeadLettered(): Promise<void> {
    await this.redis.hincrby(this.keys.stats(), 'dead_lettered', 1);
  }

  async stats() {
    const [globalLength, raw] = await Promise.all([
      this.redis.llen(this.keys.global()),
      this.redis.hgetall(this.keys.stats()),
    ]);
    return {
      global_length: globalLength,
      events_applied: Number(raw.events_applied ?? 0),
      duplicates_skipped: Number(raw.duplicates_skipped ?? 0),
      dead_lettered: Number(raw.dead_lettered ?? 0),
      last_event_at: raw.last_event_at ?? null,
    };
  }

  /**
   * Marks everything the changes stream held as gone (after a wipe): a live
   * stream resuming from an id of before gets a reset, not a replay. The
   * marker is added and trimmed away at once, which leaves the stream's
   * "deleted up to" id at it.
   */
  async resetChanges(): Promise<void> {
    await this.redis.xadd(this.keys.changes(), '*', 'type', 'reset');
    await this.redis.xtrim(this.keys.changes(), 'MAXLEN', 0);
  }

  /** Every key of these feeds, for a rebuild (SCAN, never KEYS, so Redis keeps serving). */
  async wipe(): Promise<number> {
    let removed = 0;
    for (const pattern of [
      `${this.prefix}:activity:*`,
      `${this.prefix}:window:*`,
      `${this.prefix}:followers:*`,
      `${this.prefix}:following:*`,
      `${this.prefix}:authored:*`,
      this.keys.celebrities(),
      this.keys.readers(),
      this.keys.regenerating(),
      this.keys.changes(),
      this.keys.follows(),
      this.keys.followedAt(),
      this.keys.posts(),
      this.keys.versions(),
      this.keys.stats(),
    ]) {
      const stream = this.redis.scanStream({ match: pattern, count: 500 });
      for await (const keys of stream as AsyncIterable<string[]>) {
        if (keys.length) removed += await this.redis.unlink(...keys);
      }
    }
    return removed;
  }
}
