import type pg from 'pg';
import type { OutboxCheckpoint, OutboxEntry, OutboxEvent, OutboxLog } from './outbox.js';

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
