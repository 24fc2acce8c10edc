import { randomUUID } from 'node:crypto';
import {
  isoColumn,
  SOCIAL_EVENT_SCHEMA_VERSION,
  toCursor,
  type CommitTracker,
  type OutboxEntry,
  type PendingCommit,
  type PostgresOutboxLog,
  type SocialEvent,
} from '@feedmesh/common';
import type pg from 'pg';
import type { Follow, FollowedUser, ListFollows } from './schemas.js';

/** A follow or unfollow as the publisher sees it: keyed by follower id, so one user's changes stay in order. */
export type SocialOutboxEntry = OutboxEntry<SocialEvent>;

/** The followee has no profile: nobody profile-service knows. */
export class NoSuchUserError extends Error {}

export interface FollowPage {
  items: FollowedUser[];
  /** Where the next page begins (a cursor, for `before`); null at the end. */
  next: string | null;
}

/** One pair's change as a transaction wrote it: what its event says. */
interface PairChange {
  type: SocialEvent['type'];
  follower: string;
  followee: string;
  /** The pair's version after the change. */
  version: number;
}

/** Both listings read the same rows, from either end of the pair. */
const LISTINGS = {
  following: { of: 'follower_id', other: 'followee_id' },
  followers: { of: 'followee_id', other: 'follower_id' },
} as const;

export type Listing = keyof typeof LISTINGS;

/**
 * The follow graph in profile-service's PostgreSQL (`follows`, with
 * `follow_counts` beside it), and its events. Every change commits in one
 * transaction with its outbox entry (`social_outbox`): a follow is never
 * acknowledged without its event, and a change that rolls back (an unknown
 * followee, a crash before COMMIT) leaves no event. A follow or unfollow that
 * changes nothing commits nothing and publishes nothing.
 */
export class FollowGraph {
  constructor(
    private readonly db: pg.Pool,
    private readonly log: PostgresOutboxLog<SocialEvent>,
    private readonly outbox: CommitTracker<SocialOutboxEntry>,
    /** Names this process in the outbox log, for recovery. */
    private readonly instance: string,
  ) {}

  /** Idempotent; throws NoSuchUserError when the followee has no profile. */
  async follow(follower: string, followee: string): Promise<Follow> {
    let followedAt = '';
    await this.transact(async (client, at) => {
      // The followee exists, and its profile cannot go while this commits (a delete waits for the lock).
      const profile = await client.query('SELECT 1 FROM user_profiles WHERE user_id = $1 FOR KEY SHARE', [followee]);
      if (profile.rowCount === 0) throw new NoSuchUserError();
      // A pair already followed is left as it is, but locked, so its follow time below is the one that stays.
      const { rows } = await client.query<{ version: number }>(
        `INSERT INTO follows (follower_id, followee_id, following, version, changed_at) VALUES ($1, $2, true, 1, $3)
         ON CONFLICT (follower_id, followee_id) DO UPDATE
           SET following = true, version = follows.version + 1, place = EXCLUDED.place, changed_at = EXCLUDED.changed_at
           WHERE NOT follows.following
         RETURNING version`,
        [follower, followee, at],
      );
      const { rows: current } = await client.query<{ changed_at: string }>(
        `SELECT ${isoColumn('changed_at')} FROM follows WHERE follower_id = $1 AND followee_id = $2`,
        [follower, followee],
      );
      followedAt = current[0]!.changed_at;
      return rows.map(({ version }) => ({ type: 'user.followed', follower, followee, version }));
    });
    return { follower_id: follower, followee_id: followee, followed_at: followedAt };
  }

  /** Idempotent: a pair not followed stays as it is. */
  async unfollow(follower: string, followee: string): Promise<void> {
    await this.transact(async (client, at) => {
      const { rows } = await client.query<{ version: number }>(
        `UPDATE follows SET following = false, version = version + 1, changed_at = $3
         WHERE follower_id = $1 AND followee_id = $2 AND following RETURNING version`,
        [follower, followee, at],
      );
      return rows.map(({ version }) => ({ type: 'user.unfollowed', follower, followee, version }));
    });
  }

  /**
   * Deletes a user's profile and ends every follow of or by that user in the
   * same transaction, each with its unfollow event: nobody is left following
   * a user profile-service no longer knows (whom nobody could follow anew),
   * the home timelines drop the user's posts, and the counts stay true.
   * False when there was no profile.
   */
  async deleteProfile(userId: string): Promise<boolean> {
    let deleted = false;
    await this.transact(
      async (client, at) => {
        // The row lock first: a follow of this user waits on it (FOR KEY SHARE) and then finds no profile.
        const { rowCount } = await client.query('DELETE FROM user_profiles WHERE user_id = $1', [userId]);
        deleted = (rowCount ?? 0) > 0;
        if (!deleted) return [];
        const { rows } = await client.query<{ follower_id: string; followee_id: string; version: number }>(
          // Rows locked in key order, as any other transaction that ends several pairs would: none waits on another in a cycle.
          `UPDATE follows f SET following = false, version = f.version + 1, changed_at = $2
         FROM (SELECT follower_id, followee_id FROM follows WHERE (follower_id = $1 OR followee_id = $1) AND following
               ORDER BY follower_id, followee_id FOR UPDATE) ended
         WHERE f.follower_id = ended.follower_id AND f.followee_id = ended.followee_id
         RETURNING f.follower_id, f.followee_id, f.version`,
          [userId, at],
        );
        return rows.map((r) => ({
          type: 'user.unfollowed',
          follower: r.follower_id,
          followee: r.followee_id,
          version: r.version,
        }));
      },
      { commitEmpty: true },
    );
    return deleted;
  }

  /** Newest follow first: whom `userId` follows, or who follows `userId`. */
  async list(listing: Listing, userId: string, q: ListFollows): Promise<FollowPage> {
    const { of, other } = LISTINGS[listing];
    // One more than asked: whether there is a next page is known without another query.
    const { rows } = await this.db.query<{ user_id: string; changed_at: string; place: string }>(
      `SELECT ${other} AS user_id, ${isoColumn('changed_at')}, place FROM follows
       WHERE ${of} = $1 AND following AND place < $2 ORDER BY place DESC LIMIT $3`,
      [userId, q.before ?? Number.MAX_SAFE_INTEGER, q.limit + 1],
    );
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({ user_id: r.user_id, followed_at: r.changed_at })),
      next: rows.length > q.limit && last ? toCursor(Number(last.place)) : null,
    };
  }

  /**
   * Changes in one transaction with their outbox entries (the shared
   * `PostgresOutboxLog.transact`): `write` changes `follows` (or nothing),
   * then the counts follow, and an entry per changed pair. A transaction that
   * changed no pair rolls back, unless `commitEmpty` (its other writes stand
   * on their own).
   */
  private async transact(
    write: (client: pg.PoolClient, at: Date) => Promise<PairChange[]>,
    options: { commitEmpty?: boolean } = {},
  ): Promise<void> {
    await this.log.transact(
      this.outbox,
      this.instance,
      async (client, at) => {
        const changes = await write(client, at);
        await this.count(client, changes);
        return changes.map((change) => (commit: PendingCommit) => this.entryOf(commit, change));
      },
      options,
    );
  }

  /** Every changed pair's two counts in one statement, users in id order, so two transactions never wait on each other. */
  private async count(client: pg.PoolClient, changes: PairChange[]): Promise<void> {
    const deltas = new Map<string, { followers: number; following: number }>();
    const add = (user: string, followers: number, following: number) => {
      const d = deltas.get(user) ?? { followers: 0, following: 0 };
      deltas.set(user, { followers: d.followers + followers, following: d.following + following });
    };
    for (const { type, follower, followee } of changes) {
      const delta = type === 'user.followed' ? 1 : -1;
      add(follower, 0, delta);
      add(followee, delta, 0);
    }
    if (deltas.size === 0) return;
    const users = [...deltas.keys()].sort();
    await client.query(
      `INSERT INTO follow_counts (user_id, followers, following)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[])
       ON CONFLICT (user_id) DO UPDATE SET followers = follow_counts.followers + EXCLUDED.followers,
                                           following = follow_counts.following + EXCLUDED.following`,
      [users, users.map((u) => deltas.get(u)!.followers), users.map((u) => deltas.get(u)!.following)],
    );
  }

  private entryOf(commit: PendingCommit, { type, follower, followee, version }: PairChange): SocialOutboxEntry {
    const event: SocialEvent = {
      id: randomUUID(),
      schema_version: SOCIAL_EVENT_SCHEMA_VERSION,
      time: commit.committedAt.toISOString(),
      actor: follower,
      type,
      data: { follower_id: follower, followee_id: followee, version },
    };
    return { id: event.id, key: follower, event, committedAt: commit.committedAt };
  }
}
