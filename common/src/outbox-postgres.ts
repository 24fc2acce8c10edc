import type pg from 'pg';
import type { OutboxPublisher, PendingCommit } from './outbox-publisher.js';
import type { OutboxCheckpoint, OutboxEntry, OutboxEvent, OutboxLog } from './outbox.js';

/** The publisher as a producer's transactions use it: told how each commit ended, so it publishes what landed. */
export type CommitTracker<Entry extends OutboxEntry> = Pick<
  OutboxPublisher<Entry>,
  'begin' | 'committed' | 'failed' | 'unknown'
>;

/** One event a transaction's writes call for, made once its commit is begun (the entry carries the commit's time). */
export type EntryOf<E extends OutboxEvent> = (commit: PendingCommit) => OutboxEntry<E>;

/** Most entries one chunk of a recovery reads: bounded, whatever the size of the log. */
const CHUNK = 500;

/** The tables of one producer's outbox, which its own migrations create (see `PostgresOutboxLog`). */
export interface OutboxTables {
  entries: string;
  checkpoints: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

interface EntryRow<E> {
  id: string;
  key: string;
  event: E;
  committed_at: Date;
  seq: string;
}

/**
 * An outbox log in PostgreSQL, for a producer whose changes live there: the
 * entry is inserted in the transaction of the change it describes (`append`),
 * so both commit or neither does. The producer's migrations create the two
 * tables, named as it likes:
 *
 * - entries: `id text PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY,
 *   instance text, committed_at timestamptz, key text, event jsonb,
 *   failed_at timestamptz, failure text`, with an index on
 *   `(instance, committed_at, seq) WHERE failed_at IS NULL`, which every
 *   read of `committed` walks: a chunk costs the same at any size of the log;
 * - checkpoints: `instance text PRIMARY KEY, published_before timestamptz,
 *   heartbeat timestamptz`.
 *
 * `seq` is the order of the inserts: per key it is the commit order when the
 * producer serialises one key's changes (a row lock), which `committed`
 * keeps within a chunk.
 */
export class PostgresOutboxLog<E extends OutboxEvent> implements OutboxLog<OutboxEntry<E>> {
  private readonly entries: string;
  private readonly checkpointTable: string;

  constructor(
    private readonly db: pg.Pool,
    tables: OutboxTables,
  ) {
    for (const name of [tables.entries, tables.checkpoints])
      if (!IDENTIFIER.test(name)) throw new Error(`not a plain table name: ${JSON.stringify(name)}`);
    this.entries = tables.entries;
    this.checkpointTable = tables.checkpoints;
  }

  /** Inserts the entries of a change in the change's own transaction (`client` has begun it), in their order. */
  async append(client: pg.ClientBase, entries: Array<OutboxEntry<E>>, instance: string): Promise<void> {
    if (entries.length === 0) return;
    // One statement whatever the count; WITH ORDINALITY keeps the given order in `seq`.
    await client.query(
      `INSERT INTO ${this.entries} (id, instance, committed_at, key, event)
       SELECT id, $1, committed_at, key, event FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::jsonb[])
         WITH ORDINALITY AS e(id, committed_at, key, event, n) ORDER BY n`,
      [
        instance,
        entries.map((e) => e.id),
        entries.map((e) => e.committedAt),
        entries.map((e) => e.key),
        entries.map((e) => JSON.stringify(e.event)),
      ],
    );
  }

  /**
   * Runs `write` and the outbox entries it asks for in one transaction, and
   * tells `outbox` how each ended: committed (publish it), not (rolled back:
   * nothing to do) or unknown (COMMIT itself failed; the log will tell).
   * `write` gets the first commit's time and returns one maker per entry; a
   * transaction that asks for none rolls back, unless `commitEmpty` (its
   * writes stand on their own). A connection that failed mid-way is closed
   * rather than pooled again.
   */
  async transact(
    outbox: CommitTracker<OutboxEntry<E>>,
    instance: string,
    write: (client: pg.PoolClient, at: Date) => Promise<Array<EntryOf<E>>>,
    { commitEmpty = false } = {},
  ): Promise<void> {
    const client = await this.db.connect();
    /** Begun and not yet settled with the publisher: one per entry, the first before any write. */
    let commits: PendingCommit[] = [];
    let broken: Error | undefined;
    const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));
    try {
      await client.query('BEGIN');
      commits = [outbox.begin()];
      const makers = await write(client, commits[0]!.committedAt);
      if (makers.length === 0 && !commitEmpty) {
        await client.query('ROLLBACK');
        commits.forEach((c) => outbox.failed(c));
        commits = [];
        return;
      }
      // Each entry its own commit, begun before COMMIT: the checkpoint stays below every one until it is out.
      while (commits.length < makers.length) commits.push(outbox.begin());
      const entries = makers.map((make, i) => make(commits[i]!));
      await this.append(client, entries, instance);
      const pending = commits;
      commits = [];
      await client.query('COMMIT').catch((err: unknown) => {
        broken = asError(err);
        pending.forEach((c) => outbox.unknown(c));
        throw err;
      });
      // An empty transaction's only commit published nothing.
      pending.forEach((c, i) => (entries[i] ? outbox.committed(c, entries[i]) : outbox.failed(c)));
    } catch (err) {
      if (!broken) {
        // Before COMMIT: nothing of it can land, whether ROLLBACK gets through or the connection is gone.
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
          broken = asError(rollbackErr);
        });
        commits.forEach((c) => outbox.failed(c));
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async *committed(instance: string, from: Date, to: Date): AsyncIterable<Array<OutboxEntry<E>>> {
    // Keyset paging on the index: each chunk starts right after the last row of the one before.
    let after: { at: Date; seq: string } = { at: from, seq: '0' };
    for (;;) {
      const { rows } = await this.db.query<EntryRow<E>>(
        `SELECT id, key, event, committed_at, seq FROM ${this.entries}
         WHERE instance = $1 AND failed_at IS NULL AND committed_at < $3
           AND (committed_at, seq) > ($2, $4)
         ORDER BY committed_at, seq LIMIT ${CHUNK}`,
        [instance, after.at, to, after.seq],
      );
      const last = rows.at(-1);
      if (!last) return;
      yield [...rows]
        .sort((a, b) => Number(a.seq) - Number(b.seq))
        .map((r) => ({ id: r.id, key: r.key, event: r.event, committedAt: r.committed_at }));
      if (rows.length < CHUNK) return;
      after = { at: last.committed_at, seq: last.seq };
    }
  }

  async markFailed(id: string, reason: string, at: Date): Promise<void> {
    await this.db.query(`UPDATE ${this.entries} SET failed_at = $2, failure = $3 WHERE id = $1`, [id, at, reason]);
  }

  async checkpoints(): Promise<OutboxCheckpoint[]> {
    const { rows } = await this.db.query<{ instance: string; published_before: Date; heartbeat: Date }>(
      `SELECT instance, published_before, heartbeat FROM ${this.checkpointTable}`,
    );
    return rows.map((r) => ({ instance: r.instance, publishedBefore: r.published_before, heartbeat: r.heartbeat }));
  }

  async saveCheckpoint(c: OutboxCheckpoint): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.checkpointTable} (instance, published_before, heartbeat) VALUES ($1, $2, $3)
       ON CONFLICT (instance) DO UPDATE SET published_before = EXCLUDED.published_before, heartbeat = EXCLUDED.heartbeat`,
      [c.instance, c.publishedBefore, c.heartbeat],
    );
  }

  async prune(before: Date): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM ${this.entries} WHERE failed_at IS NULL AND committed_at < $1`,
      [before],
    );
    return rowCount ?? 0;
  }

  async removeCheckpoint(c: OutboxCheckpoint): Promise<void> {
    await this.db.query(`DELETE FROM ${this.checkpointTable} WHERE instance = $1 AND heartbeat = $2`, [
      c.instance,
      c.heartbeat,
    ]);
  }
}
