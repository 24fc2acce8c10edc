import type { AccessTokenRef } from '@feedmesh/common';
import type { Redis } from 'ioredis';
import type { FeedStore } from './feeds.js';
import type { RevokedTokens } from './revocations.js';

/** One change as a live stream sends it: its place in the changes stream (the SSE `id:`), its type, the post. */
export interface LiveChange {
  id: string;
  type: 'post.created' | 'post.updated' | 'post.deleted';
  /** Whose post: what a home stream filters by. */
  author: string;
  /** The change's JSON, as clients receive it (the post's snapshot; for a deletion, its id and author). */
  data: string;
}

/** A change as the stream holds it: ids only (the post's snapshot lives once, in the snapshots hash). */
interface PostEntry {
  id: string;
  type: LiveChange['type'];
  author: string;
  post: string;
}

/** A follow or unfollow, which changes what a follower's home stream lets through. */
interface GraphChange {
  id: string;
  type: 'user.followed' | 'user.unfollowed';
  follower: string;
  followee: string;
}

/** A revocation of access tokens (what apply-revocation.lua adds): one token, or a user's below a generation. */
type RevocationChange =
  | { id: string; type: 'token.revoked'; user: string; jti: string }
  | { id: string; type: 'user.tokens_revoked'; user: string; generation: number };

/** What the stream holds besides posts' changes: what changes who gets what, not what they are sent. */
type Bookkeeping = GraphChange | RevocationChange;

/**
 * What a subscriber is sent: changes; once, if its resume point is gone, a
 * reset; and, last, if the token that opened a home stream is revoked, that.
 */
export type LiveMessage = { kind: 'change'; change: LiveChange } | { kind: 'reset' } | { kind: 'revoked' };

export interface LiveSettings {
  /** Most open streams this instance holds; past it a new one is refused (429). */
  maxStreams: number;
  /** Most open streams one client (a user, or an address for the public stream) holds at once. */
  maxPerClient: number;
}

/** Why a stream was refused: a limit. */
export class StreamLimitError extends Error {}

/** Why a home stream was refused: its token was revoked after the gateway let the request through. */
export class TokenRevokedError extends Error {}

/** Which changes a subscriber wants: all of them, or those of a reader's home timeline. */
type Filter =
  { kind: 'global' } | { kind: 'home'; reader: string; authors: Set<string>; token: AccessTokenRef | undefined };

interface Subscriber {
  client: string;
  filter: Filter;
  send: (message: LiveMessage) => void;
  /** Tells the subscriber this instance is shutting down. */
  end: () => void;
  /**
   * Until the subscriber is ready (its home filter read, its resume point
   * caught up with): the live changes and follows read meanwhile, in order,
   * unfiltered, for the filter it ends up with.
   */
  held?: Array<LiveChange | GraphChange>;
  /** Told its token is revoked: sent nothing more. */
  revoked?: boolean;
  /**
   * How far its catch-up went: a change up to here that the live read hands
   * over late (its batch was still being hydrated) was sent, or applied, already.
   */
  caughtUpTo?: string;
}

const BLOCK_MS = 5_000;
/** How long a new subscriber waits for the reads' starting point before it is refused. */
const POSITION_TIMEOUT_MS = 2_000;
const READ_COUNT = 500;

const fieldsOf = (raw: string[]) => {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) fields[raw[i]!] = raw[i + 1]!;
  return fields;
};

/** A stream entry as what apply-post-event.lua, apply-follow.lua and apply-revocation.lua add. */
function parse([id, raw]: [string, string[]]): PostEntry | Bookkeeping | undefined {
  const f = fieldsOf(raw);
  if (f.type === 'user.followed' || f.type === 'user.unfollowed')
    return { id, type: f.type, follower: f.follower ?? '', followee: f.followee ?? '' };
  if (f.type === 'token.revoked') return { id, type: f.type, user: f.user ?? '', jti: f.jti ?? '' };
  if (f.type === 'user.tokens_revoked')
    return { id, type: f.type, user: f.user ?? '', generation: Number(f.generation ?? 0) };
  if (f.type === 'post.created' || f.type === 'post.updated' || f.type === 'post.deleted')
    return { id, type: f.type, author: f.author ?? '', post: f.post ?? '' };
  return undefined;
}

const isGraph = (c: { type: string }): c is GraphChange => c.type === 'user.followed' || c.type === 'user.unfollowed';
const isRevocation = (c: { type: string }): c is RevocationChange =>
  c.type === 'token.revoked' || c.type === 'user.tokens_revoked';
const isBookkeeping = (c: { type: string }): c is Bookkeeping => isGraph(c) || isRevocation(c);

/** Whether a revocation voids the token a home stream was opened with (one not named: by any of its user's). */
function voids(r: RevocationChange, filter: Extract<Filter, { kind: 'home' }>): boolean {
  if (r.user !== filter.reader) return false;
  if (r.type === 'token.revoked') return filter.token === undefined || filter.token.id === r.jti;
  return filter.token === undefined || filter.token.generation < r.generation;
}

/** Whether a subscriber with this filter is sent the change. */
const wants = (filter: Filter, change: LiveChange) => filter.kind === 'global' || filter.authors.has(change.author);

/** Applies a follow or unfollow to a home filter whose reader it is about. */
function follow(filter: Filter, change: GraphChange): void {
  if (filter.kind !== 'home' || filter.reader !== change.follower) return;
  if (change.type === 'user.followed') filter.authors.add(change.followee);
  else filter.authors.delete(change.followee);
}

/** Orders stream ids as Redis does, by (ms, seq): negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

const after = (a: string, b: string) => compareStreamIds(a, b) > 0;

/**
 * The live side of the feeds, one per instance. The consumer's scripts add
 * every change they apply to the Redis stream `feed:changes` (capped: the
 * window a client can resume in), whichever instance applied it; while
 * this instance holds any subscriber, it reads that stream with one
 * blocking connection and hands each change to them, so any instance
 * serves any subscriber. A subscriber that resumes (`Last-Event-ID`) first gets what
 * it missed from the stream, then the live changes held meanwhile, with
 * nothing repeated or skipped; one whose resume point has been trimmed
 * away gets a reset. A home stream ends once the token that opened it is
 * revoked (auth-events, recorded and added to the stream by the consumer).
 */
export class LiveFeed {
  private readonly subscribers = new Set<Subscriber>();
  private stopped = false;
  /** The read loop, while there are subscribers; it ends with the last of them. */
  private loop: Promise<void> | undefined;
  /** Resolves once the loop knows where it reads from: what a new subscriber waits for. */
  private positioned: Promise<void> | undefined;
  /** The id of the last change read: where the next read begins. */
  private position = '0-0';

  constructor(
    /** A connection of its own: a blocking read holds it. */
    private readonly reader: Redis,
    /** For the catch-up reads, the snapshots and the follow sets. */
    private readonly redis: Redis,
    private readonly keys: FeedStore['keys'],
    private readonly revoked: Pick<RevokedTokens, 'revoked'>,
    private readonly settings: LiveSettings,
  ) {}

  /**
   * Ends every stream (each is told to reconnect, which reaches another
   * instance: this one has left Consul by now), waits up to `ms` for them
   * to go, and stops reading.
   */
  async stop(ms = 2_000): Promise<void> {
    for (const s of this.subscribers) s.end();
    const deadline = Date.now() + ms;
    while (this.subscribers.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.stopped = true;
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
  }

  /**
   * Reads only while someone listens: an instance no stream is open on
   * costs nothing. A loop begins at the end of the stream (what came before
   * is the catch-up's, from the stream itself) and ends with its last
   * subscriber.
   */
  private reading(): Promise<void> {
    if (!this.loop) {
      let positioned!: () => void;
      this.positioned = new Promise((resolve) => (positioned = resolve));
      this.loop = this.read(positioned).finally(() => {
        this.loop = undefined;
        if (this.subscribers.size > 0 && !this.stopped) void this.reading();
      });
    }
    return this.positioned!;
  }

  private async read(positioned: () => void): Promise<void> {
    let known = false;
    while (!this.stopped && this.subscribers.size > 0) {
      try {
        // An id, never `$`: a change added between two blocking reads must not fall between them.
        if (!known) {
          this.position = (await this.redis.xrevrange(this.keys.changes(), '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
          known = true;
          positioned();
        }
        const answer = await this.reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          this.keys.changes(),
          this.position,
        );
        const entries = answer?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        this.position = entries[entries.length - 1]![0];
        for (const change of await this.hydrate(entries.map(parse))) this.dispatch(change);
      } catch {
        // Redis away: the read is tried again; subscribers keep their streams (heartbeats go on).
        if (!this.stopped) await new Promise((r) => setTimeout(r, 500));
      }
    }
    positioned();
  }

  /**
   * Changes as clients get them, graph changes as they are: each post's
   * current snapshot, from the snapshots hash in one round trip. A creation
   * or an edit of a post deleted since is left out (its deletion follows).
   */
  private async hydrate(entries: Array<PostEntry | Bookkeeping | undefined>): Promise<Array<LiveChange | Bookkeeping>> {
    const wanted = entries.filter(
      (e): e is PostEntry => e !== undefined && !isBookkeeping(e) && e.type !== 'post.deleted',
    );
    const snapshots = wanted.length ? await this.redis.hmget(this.keys.posts(), ...wanted.map((e) => e.post)) : [];
    const byEntry = new Map(wanted.map((e, i) => [e, snapshots[i]]));
    const out: Array<LiveChange | Bookkeeping> = [];
    for (const e of entries) {
      if (!e) continue;
      if (isBookkeeping(e)) out.push(e);
      else if (e.type === 'post.deleted')
        out.push({
          id: e.id,
          type: e.type,
          author: e.author,
          data: JSON.stringify({ id: e.post, author_id: e.author }),
        });
      else {
        const snapshot = byEntry.get(e);
        if (snapshot) out.push({ id: e.id, type: e.type, author: e.author, data: snapshot });
      }
    }
    return out;
  }

  private dispatch(change: LiveChange | Bookkeeping): void {
    for (const s of this.subscribers) {
      if (s.revoked) continue;
      if (isRevocation(change)) {
        if (s.filter.kind === 'home' && voids(change, s.filter)) {
          s.revoked = true;
          s.send({ kind: 'revoked' });
        }
        continue;
      }
      if (s.held) s.held.push(change);
      else if (s.caughtUpTo && !after(change.id, s.caughtUpTo)) continue;
      else if (isGraph(change)) follow(s.filter, change);
      else if (wants(s.filter, change)) s.send({ kind: 'change', change });
    }
  }

  /**
   * Adds a subscriber of the global stream, or of `reader`'s home stream,
   * from now or from just after `lastEventId`; returns how to remove it.
   * Refuses (StreamLimitError) past this instance's or this client's limit.
   */
  async subscribe(o: {
    client: string;
    home?: string;
    /** The access token a home stream was opened with, from the identity assertion. */
    token?: AccessTokenRef;
    lastEventId?: string;
    send: (message: LiveMessage) => void;
    end: () => void;
  }): Promise<() => void> {
    if (this.subscribers.size >= this.settings.maxStreams)
      throw new StreamLimitError('this instance holds as many streams as it may; try another moment');
    let mine = 0;
    for (const s of this.subscribers) if (s.client === o.client) mine++;
    if (mine >= this.settings.maxPerClient)
      throw new StreamLimitError(`at most ${this.settings.maxPerClient} open streams per client`);
    const filter: Filter = o.home
      ? { kind: 'home', reader: o.home, authors: new Set([o.home]), token: o.token }
      : { kind: 'global' };
    const subscriber: Subscriber = {
      client: o.client,
      filter,
      send: o.send,
      end: o.end,
      ...(o.home || o.lastEventId ? { held: [] } : {}),
    };
    this.subscribers.add(subscriber);
    const remove = () => void this.subscribers.delete(subscriber);
    try {
      // The live reads' starting point first: the catch-up then covers everything up to it.
      // Not had within a moment, Redis is away: refused (503), as a page would be.
      await Promise.race([
        this.reading(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('Redis is away')), POSITION_TIMEOUT_MS).unref()),
      ]);
      // Revoked between the gateway's check and now: the stream's reads began after the revocation was
      // recorded (the script that records it adds it to the stream), so this sees what they will not.
      if (o.home && (await this.revoked.revoked(o.home, o.token)))
        throw new TokenRevokedError('the token has been revoked');
      // Read after the starting point, so a follow applied since reaches the filter either way: in the
      // set, or held. Held again on top of it, it changes nothing (a follow or unfollow is a set's
      // add or remove: replayed in order, the last one of a pair wins).
      if (filter.kind === 'home')
        for (const followee of await this.redis.smembers(this.keys.followees(filter.reader)))
          filter.authors.add(followee);
      const sent = o.lastEventId ? await this.catchUp(subscriber, o.lastEventId) : undefined;
      this.release(subscriber, sent);
    } catch (err) {
      remove();
      throw err;
    }
    return remove;
  }

  /** Sends what the subscriber missed since `from`; returns the last id that covers. */
  private async catchUp(s: Subscriber, from: string): Promise<string> {
    // Past this, the stream's own read covered it (sent, or not the subscriber's).
    let sent = from;
    if (await this.trimmedPast(from)) s.send({ kind: 'reset' });
    else {
      let cursor = from;
      for (;;) {
        const entries = await this.redis.xrange(this.keys.changes(), `(${cursor}`, '+', 'COUNT', READ_COUNT);
        if (entries.length > 0) cursor = entries[entries.length - 1]![0];
        for (const change of await this.hydrate(entries.map(parse))) {
          // Revocations: checked above. Follows, in order: the filter read may predate some of them,
          // and on top of it they change nothing (a set's add or remove, the last one of a pair wins).
          if (isRevocation(change)) continue;
          if (isGraph(change)) follow(s.filter, change);
          else if (wants(s.filter, change)) s.send({ kind: 'change', change });
        }
        if (entries.length < READ_COUNT) break;
      }
      sent = cursor;
    }
    return sent;
  }

  /** Sends what was held while the subscriber got ready, past what its catch-up sent, and from then on what comes. */
  private release(s: Subscriber, sent: string | undefined): void {
    const held = s.held ?? [];
    delete s.held;
    if (sent !== undefined) s.caughtUpTo = sent;
    for (const change of held)
      if (isGraph(change)) follow(s.filter, change);
      else if ((sent === undefined || after(change.id, sent)) && wants(s.filter, change))
        s.send({ kind: 'change', change });
  }

  /**
   * Whether the stream may no longer hold everything after `id` (trimmed
   * past it): the client must reload. Redis keeps no "trimmed up to" id, so
   * this is the cautious answer: something was trimmed, and the oldest entry
   * kept (or, none kept, the last one added) comes after `id`.
   */
  private async trimmedPast(id: string): Promise<boolean> {
    const info = (await this.redis.call('XINFO', 'STREAM', this.keys.changes()).catch(() => null)) as unknown[] | null;
    if (!info) return false; // no stream yet: nothing was ever trimmed
    const field = (name: string) => info[info.indexOf(name) + 1];
    if (Number(field('entries-added')) <= Number(field('length'))) return false;
    const first = field('first-entry') as [string, string[]] | null;
    return after(first ? first[0] : String(field('last-generated-id')), id);
  }
}
