import { randomUUID } from 'node:crypto';
import {
  isoColumn,
  SOCIAL_EVENT_SCHEMA_VERSION,
  toCursor,
  type OutboxEntry,
  type OutboxPublisher,
  type PendingCommit,
  type PostgresOutboxLog,
  type SocialEvent,
} from '@feedmesh/common';
import type pg from 'pg';
import type { Follow, FollowedUser, ListFollows } from './schemas.js';

/** A follow or unfollow as the publisher sees it: keyed by follower id, so one user's changes stay in order. */
export type SocialOutboxEntry = OutboxEntry<SocialEvent>;

/** The publisher as the graph uses it: told of each commit, so it publishes it. */
export type CommitTracker = Pick<OutboxPublisher<SocialOutboxEntry>, 'begin' | 'committed' | 'failed' | 'unknown'>;

/** The followee has no profile: nobody profile-service knows. */
export class NoSuchUserError extends Error {}

export interface FollowPage {
  items: FollowedUser[];
  /** Where the next page begins (a cursor, for `before`); null at the end. */
  next: string | null;
}

/** What one change wrote: the pair's new version, or nothing when the pair already was in that state. */
type Written = { version: number } | undefined;

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
    private readonly outbox: CommitTracker,
    /** Names this process in the outbox log, for recovery. */
    private readonly instance: string,
  ) {}

  /** Idempotent; throws NoSuchUserError when the followee has no profile. */
  async follow(follower: string, followee: string): Promise<Follow> {
    let followedAt = '';
    await this.change('user.followed', follower, followee, async (client, at) => {
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
      return rows[0];
    });
    return { follower_id: follower, followee_id: followee, followed_at: followedAt };
  }

  /** Idempotent: a pair not followed stays as it is. */
  async unfollow(follower: string, followee: string): Promise<void> {
    await this.change('user.unfollowed', follower, followee, async (client, at) => {
      const { rows } = await client.query<{ version: number }>(
        `UPDATE follows SET following = false, version = version + 1, changed_at = $3
         WHERE follower_id = $1 AND followee_id = $2 AND following RETURNING version`,
        [follower, followee, at],
      );
      return rows[0];
    });
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
   * One change of a pair in one transaction: `write` changes `follows` (or
   * nothing), then the counts and the outbox entry follow, and COMMIT makes
   * them one. The publisher learns how it ended: committed, not (rolled back,
   * nothing to do), or unknown (COMMIT itself failed; the log will tell).
   */
  private async change(
    type: SocialEvent['type'],
    follower: string,
    followee: string,
    write: (client: pg.PoolClient, at: Date) => Promise<Written>,
  ): Promise<void> {
    const client = await this.db.connect();
    /** Begun and not yet settled with the publisher. */
    let commit: PendingCommit | undefined;
    /** Set once the connection cannot be trusted: it is then closed rather than pooled again. */
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      commit = this.outbox.begin();
      const written = await write(client, commit.committedAt);
      if (!written) {
        await client.query('ROLLBACK');
        this.outbox.failed(commit);
        commit = undefined;
        return;
      }
      await this.count(client, follower, followee, type === 'user.followed' ? 1 : -1);
      const entry = this.entryOf(commit, type, follower, followee, written.version);
      await this.log.append(client, entry, this.instance);
      const pending = commit;
      commit = undefined;
      await client.query('COMMIT').catch((err: unknown) => {
        broken = err instanceof Error ? err : new Error(String(err));
        this.outbox.unknown(pending);
        throw err;
      });
      this.outbox.committed(pending, entry);
    } catch (err) {
      if (!broken) {
        // Before COMMIT: nothing of it can land, whether ROLLBACK gets through or the connection is gone.
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        });
        if (commit) this.outbox.failed(commit);
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Both users' counts in one statement, in id order, so two opposite follows never wait on each other. */
  private async count(client: pg.PoolClient, follower: string, followee: string, delta: number): Promise<void> {
    const rows = [
      { user: follower, followers: 0, following: delta },
      { user: followee, followers: delta, following: 0 },
    ].sort((a, b) => (a.user < b.user ? -1 : 1));
    await client.query(
      `INSERT INTO follow_counts (user_id, followers, following) VALUES ($1, $2, $3), ($4, $5, $6)
       ON CONFLICT (user_id) DO UPDATE SET followers = follow_counts.followers + EXCLUDED.followers,
                                           following = follow_counts.following + EXCLUDED.following`,
      rows.flatMap((r) => [r.user, r.followers, r.following]),
    );
  }

  private entryOf(
    commit: PendingCommit,
    type: SocialEvent['type'],
    follower: string,
    followee: string,
    version: number,
  ): SocialOutboxEntry {
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
