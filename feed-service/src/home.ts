import { readFileSync } from 'node:fs';
import { remember, type PostSnapshot, type ScoredPlace, type SocialEvent } from '@feedmesh/common';
import type { ChainableCommander, Redis } from 'ioredis';
import type { FeedStore } from './feeds.js';

const script = (name: string) => readFileSync(new URL(`../lua/${name}.lua`, import.meta.url), 'utf8');

/** The scripts' commands, which ioredis types loosely. */
interface HomeCommands {
  applyFollow(...args: Array<string | number>): Promise<number>;
  regenerate(...args: Array<string | number>): Promise<number | string[]>;
  backfill(...args: Array<string | number>): Promise<number>;
  purge(...args: Array<string | number>): Promise<number>;
  homePage(...args: Array<string | number>): Promise<string[]>;
}
interface FanOutPipeline extends ChainableCommander {
  fanOut(...args: Array<string | number>): FanOutPipeline;
  firstFollowers(...args: Array<string | number>): FanOutPipeline;
}

/** How big home timelines get and how their writes are split (feed-service's config sets them). */
export interface HomeSettings {
  /** Newest posts kept in each home timeline. */
  cap: number;
  /** Most timelines one fan-out call writes: what bounds a large fan-out's hold on Redis. */
  fanoutChunk: number;
  /** A new follow brings the followee's newest this many posts (from their posts by id, so at most `cap`). */
  backfill: number;
  /** An author with more followers than this is a celebrity: not fanned out, merged into pages on read. */
  celebrityFollowers: number;
  /** A reader who has not read their timeline for this long is not fanned out to; their next read regenerates it. */
  inactiveAfterMs: number;
  /** Changes kept in the changes stream, about: how far back a live stream can resume. */
  liveWindow: number;
}

/** A post as a home timeline orders it: by creation time, then id. */
type Arrival = Pick<PostSnapshot, 'id' | 'author_id' | 'created_at'>;

/** A home timeline's score for a post: its creation time in ms. */
export const scoreOf = (post: Pick<PostSnapshot, 'created_at'>) => Date.parse(post.created_at);

/** One SSCAN reply over a followers set: the next cursor ("0" when done) and a chunk of followers. */
type FollowersPage = [cursor: string, followers: string[]];

/** A post to fan out, with the first chunk of its author's followers. */
export interface NewArrival {
  post: Arrival;
  followers: FollowersPage;
}

/** Runs a pipeline; rejects if any of its commands failed (a pipeline resolves with their errors). */
async function succeeded(pipeline: ChainableCommander): Promise<void> {
  for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
}

/** What apply-follow.lua answers: stale, a repeat of the pair's latest event, or applied. */
const FOLLOW = { stale: 0, repeat: 1, applied: 2 } as const;

/** Readers whose celebrities are remembered: a few thousand short lists. */
const STARS_REMEMBERED = 10_000;

/**
 * Home timelines and the follow graph they are made from. feed-service keeps
 * its own copy of the graph, from `social-events` alone (it never asks
 * profile-service): per user the set of their followers and the set of
 * those they follow, each pair's change applied by its version.
 */
export class HomeTimelines {
  private readonly commands: HomeCommands;

  /** The celebrities each recent reader follows, as last found: the keys a page's script is called with. */
  private readonly starsOf = new Map<string, string[]>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FeedStore['keys'],
    readonly settings: HomeSettings,
  ) {
    redis.defineCommand('applyFollow', { numberOfKeys: 6, lua: script('apply-follow') });
    redis.defineCommand('backfill', { numberOfKeys: 6, lua: script('backfill') });
    redis.defineCommand('purge', { numberOfKeys: 2, lua: script('purge') });
    redis.defineCommand('firstFollowers', { numberOfKeys: 2, lua: script('first-followers') });
    // Their numbers of keys vary (the chunk, the celebrities followed): the first argument.
    redis.defineCommand('homePage', { lua: script('home-page') });
    redis.defineCommand('regenerate', { lua: script('regenerate') });
    redis.defineCommand('fanOut', { lua: script('fan-out') });
    this.commands = redis as unknown as HomeCommands;
  }

  /**
   * Queues on `pipeline` the read of the first chunk of `author`'s
   * followers (SSCAN from the start; none for a celebrity): what `fanOut`
   * begins with, read in the same round trip as the events that created
   * the posts.
   */
  queueFollowers(pipeline: ChainableCommander, author: string): void {
    (pipeline as FanOutPipeline).firstFollowers(
      this.keys.followers(author),
      this.keys.celebrities(),
      author,
      this.settings.fanoutChunk,
    );
  }

  /** What `queueFollowers` queued, as `fanOut` takes it: an SSCAN reply (none for a celebrity). */
  static followersPage([err, reply]: [Error | null, unknown]): FollowersPage {
    if (err) throw err;
    return reply as FollowersPage;
  }

  /**
   * Writes each new post's id into every follower's home timeline (its
   * author's own is written with the post, by apply-post-event.lua), from
   * the first chunk of followers read with the post (`queueFollowers`).
   * The rest are read a chunk at a time (SSCAN) and each chunk is one
   * script call of at most `fanoutChunk` timelines, awaited before the
   * next: an author with 10 000 followers is 40 short calls, not one long
   * one, so Redis serves the reads and the other events in between.
   * The first chunks of every post of a batch go in one round trip, none
   * at all when no author has followers. Safe to repeat: see lua/fan-out.lua.
   */
  async fanOut(arrivals: NewArrival[]): Promise<void> {
    const first = this.redis.pipeline() as FanOutPipeline;
    const more: Array<{ post: Arrival; cursor: string }> = [];
    for (const {
      post,
      followers: [cursor, followers],
    } of arrivals) {
      for (const owners of this.chunks(followers)) first.fanOut(...this.fanOutArgs(post, owners));
      if (cursor !== '0') more.push({ post, cursor });
    }
    if (first.length > 0) await succeeded(first);
    for (const { post, cursor: start } of more) {
      let cursor = start;
      while (cursor !== '0') {
        const [next, followers] = await this.redis.sscan(
          this.keys.followers(post.author_id),
          cursor,
          'COUNT',
          this.settings.fanoutChunk,
        );
        cursor = next;
        for (const owners of this.chunks(followers)) {
          await succeeded((this.redis.pipeline() as FanOutPipeline).fanOut(...this.fanOutArgs(post, owners)));
        }
      }
    }
  }

  /** SSCAN's COUNT is a hint: what it answers is cut to the chunk here. */
  private chunks(owners: string[]): string[][] {
    const out: string[][] = [];
    for (let i = 0; i < owners.length; i += this.settings.fanoutChunk) {
      out.push(owners.slice(i, i + this.settings.fanoutChunk));
    }
    return out;
  }

  private fanOutArgs(post: Arrival, owners: string[]): Array<string | number> {
    const timelines = owners.map((owner) => this.keys.home(owner));
    return [
      5 + timelines.length,
      this.keys.posts(),
      this.keys.followers(post.author_id),
      this.keys.readers(),
      this.keys.followedAt(),
      this.keys.authored(post.author_id),
      ...timelines,
      post.id,
      scoreOf(post),
      this.settings.cap,
      this.activeSince(),
      post.author_id,
      this.settings.backfill,
      ...owners,
    ];
  }

  /**
   * One page of `user`'s home timeline below `before` (from the top without
   * it), newest first, with each post's current snapshot, the posts of the
   * celebrities they follow merged in: one script, one round trip (two
   * when the celebrities they follow changed since their last page).
   * `next` is the place of the page's last post when more follow, else null.
   */
  async page(
    user: string,
    limit: number,
    before?: ScoredPlace,
  ): Promise<{ items: PostSnapshot[]; next: ScoredPlace | null }> {
    let stars = this.starsOf.get(user) ?? [];
    let reply: string[];
    for (let attempt = 0; ; attempt++) {
      // One more than asked: whether another page follows, without a second call.
      reply = await this.commands.homePage(
        6 + stars.length,
        this.keys.home(user),
        this.keys.posts(),
        this.keys.followees(user),
        this.keys.celebrities(),
        this.keys.readers(),
        this.keys.regenerating(),
        ...stars.map((star) => this.keys.authored(star)),
        limit + 1,
        before ? before.score : '',
        before ? before.id : '',
        user,
        Date.now(),
        this.activeSince(),
        ...stars,
      );
      if (reply[0] === 'page') break;
      // Each of these is answered at most once in a row but for a graph changing meanwhile; four in a row is a fault.
      if (attempt === 3) throw new Error('the home page script kept asking again');
      if (reply[0] === 'inactive') await this.regenerate(user);
      else stars = reply.slice(1);
    }
    remember(this.starsOf, user, stars, STARS_REMEMBERED);
    const rows: Array<{ place: ScoredPlace; item: PostSnapshot }> = [];
    for (let i = 1; i + 2 < reply.length; i += 3) {
      rows.push({
        place: { id: reply[i]!, score: Number(reply[i + 1]) },
        item: JSON.parse(reply[i + 2]!) as PostSnapshot,
      });
    }
    const page = rows.slice(0, limit);
    return { items: page.map((r) => r.item), next: rows.length > limit ? page[page.length - 1]!.place : null };
  }

  /** The ids in `user`'s home timeline, newest first, for tests and tools. */
  ids(user: string): Promise<string[]> {
    return this.redis.zrevrange(this.keys.home(user), 0, -1);
  }

  /**
   * Applies follows and unfollows in the order given (one partition's: one
   * follower's changes in order); resolves to one result per event, false
   * for one that changed nothing (stale or repeated). A follow backfills
   * the follower's timeline, an unfollow purges it; both again for a
   * repeat of the pair's latest change, so a crash between the graph's
   * change and the timeline's is finished by the redelivery.
   */
  async applyFollows(events: SocialEvent[]): Promise<boolean[]> {
    const results: boolean[] = [];
    for (const event of events) {
      const { follower_id: follower, followee_id: followee, version } = event.data;
      const outcome = await this.commands.applyFollow(
        this.keys.follows(),
        this.keys.followers(followee),
        this.keys.followees(follower),
        this.keys.celebrities(),
        this.keys.followedAt(),
        this.keys.changes(),
        version,
        event.type === 'user.followed' ? 'follow' : 'unfollow',
        follower,
        followee,
        this.settings.celebrityFollowers,
        Date.parse(event.time),
        event.type,
        this.settings.liveWindow,
      );
      if (outcome !== FOLLOW.stale) {
        if (event.type === 'user.followed') await this.backfill(follower, followee);
        else await this.purge(follower, followee);
      }
      results.push(outcome === FOLLOW.applied);
    }
    return results;
  }

  /** The followee's newest posts into the follower's timeline, each in its place by time: see lua/backfill.lua. */
  private async backfill(follower: string, followee: string): Promise<void> {
    await this.commands.backfill(
      this.keys.followers(followee),
      this.keys.home(follower),
      this.keys.authored(followee),
      this.keys.celebrities(),
      this.keys.followedAt(),
      this.keys.readers(),
      follower,
      followee,
      this.settings.backfill,
      this.settings.cap,
      this.activeSince(),
    );
  }

  /** Every post of the followee out of the follower's timeline: see lua/purge.lua. */
  private async purge(follower: string, followee: string): Promise<void> {
    await this.commands.purge(this.keys.home(follower), this.keys.posts(), followee);
  }

  /**
   * Brings an inactive reader's timeline up to date from their own posts
   * and those of whom they follow (see lua/regenerate.lua): begun, written
   * a chunk of sources a call, ended. What a returning reader's first page
   * waits for; one cut short is done again by their next page.
   */
  private async regenerate(user: string): Promise<void> {
    const step = (name: 'begin' | 'add' | 'end', sources: string[] = []) =>
      this.commands.regenerate(
        6 + sources.length,
        this.keys.home(user),
        this.keys.followees(user),
        this.keys.celebrities(),
        this.keys.readers(),
        this.keys.followedAt(),
        this.keys.regenerating(),
        ...sources.map((source) => this.keys.authored(source)),
        user,
        Date.now(),
        this.settings.backfill,
        this.settings.cap,
        name,
        this.activeSince(),
        ...sources,
      );
    const followees = (await step('begin')) as string[];
    const sources = [user, ...followees];
    for (let i = 0; i < sources.length; i += this.settings.fanoutChunk) {
      await step('add', sources.slice(i, i + this.settings.fanoutChunk));
    }
    await step('end');
  }

  /** Readers who last read before this (ms) are inactive. */
  private activeSince(): number {
    return Date.now() - this.settings.inactiveAfterMs;
  }

  /** Whether `user`'s posts are merged into pages on read rather than fanned out. */
  async isCelebrity(user: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.celebrities(), user)) === 1;
  }

  /** Who follows `user`, as feed-service knows it. */
  followers(user: string): Promise<string[]> {
    return this.redis.smembers(this.keys.followers(user));
  }

  /** Whom `user` follows, as feed-service knows it. */
  followees(user: string): Promise<string[]> {
    return this.redis.smembers(this.keys.followees(user));
  }
}
