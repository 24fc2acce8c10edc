import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoDir, stack } from '@feedmesh/testkit';
import { ferretdbTable, ginIndexName, INDEX_POLICY } from '../posts-service/src/indexes.js';

// The native stack gives FerretDB's tables the GIN indexes its pushed-down
// filters can use: posts-service's setup script, from the index policy in
// posts-service/src/indexes.ts. Without them every lookup by _id and every
// relay poll is a scan of the whole table.
const DATABASE = 'posts_db';
const db = new pg.Client({ connectionString: stack.ferretdbPostgresUrl });

const setup = () =>
  promisify(execFile)('node', [`${repoDir}posts-service/dist/setup.js`], {
    env: { ...process.env, MONGODB_URL: stack.mongodbUrl, FERRETDB_POSTGRES_URL: stack.ferretdbPostgresUrl },
    timeout: 60_000,
  });

async function ours(): Promise<Array<{ name: string; valid: boolean }>> {
  const { rows } = await db.query<{ name: string; valid: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname LIKE '%\\_feedmesh\\_gin\\_%' ORDER BY 1`,
    [DATABASE],
  );
  return rows;
}

describe.skipIf(!stack.ferretdbPostgresUrl)('FerretDB indexes', () => {
  beforeAll(() => db.connect());
  afterAll(() => db.end());

  it('makes PostgreSQL plan each FerretDB statement for its values, so expression indexes stay usable', async () => {
    const { rows } = await db.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode');
    expect(rows[0]?.plan_cache_mode).toBe('force_custom_plan');
  });

  it.each(INDEX_POLICY.map((i) => [i.collection, i.field]))(
    `${DATABASE}.%s has a GIN index on %s that PostgreSQL uses for the filter FerretDB sends`,
    async (collection, field) => {
      const table = await ferretdbTable(db, DATABASE, collection);
      expect(table, `${DATABASE}.${collection} exists`).toBeDefined();
      await db.query('BEGIN');
      try {
        await db.query('SET LOCAL enable_seqscan = off');
        const plan = await db.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN SELECT _jsonb FROM "${DATABASE}"."${table}" WHERE _jsonb->'${field}' @> '"x"'`,
        );
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(ginIndexName(table!, field));
      } finally {
        await db.query('ROLLBACK');
      }
    },
  );

  it('has the setup script drop ours the policy does not list, build again one left half built, then change nothing', async () => {
    const posts = await ferretdbTable(db, DATABASE, 'posts');
    const stray = ginIndexName(posts!, 'title');
    const broken = ginIndexName(posts!, 'log');
    await db.query(`CREATE INDEX IF NOT EXISTS "${stray}" ON "${DATABASE}"."${posts}" USING gin ((_jsonb->'title'))`);
    // What a run killed mid-build leaves: an invalid index under our name (a concurrent build that failed).
    const mongo = new MongoClient(stack.mongodbUrl);
    const probe = mongo.db(DATABASE).collection<{ _id: string; post_id: string }>('posts');
    const twins = [`test-twin:${process.pid}:1`, `test-twin:${process.pid}:2`];
    try {
      await probe.insertMany(twins.map((_id) => ({ _id, post_id: '' })));
      await db.query(`DROP INDEX "${DATABASE}"."${broken}"`);
      await expect(
        db.query(`CREATE UNIQUE INDEX CONCURRENTLY "${broken}" ON "${DATABASE}"."${posts}" ((_jsonb->'post_id'))`),
      ).rejects.toThrow();
      expect((await ours()).find((i) => i.name === broken)?.valid).toBe(false);

      const first = await setup();
      expect(first.stderr).toContain(`dropped GIN index ${stray}`);
      expect(first.stderr).toContain(`dropped GIN index ${broken}`);
      expect(first.stderr).toContain(`created GIN index ${broken}`);
    } finally {
      await probe.deleteMany({ _id: { $in: twins } });
      await mongo.close();
    }
    const after = await ours();
    expect(after.map((i) => i.name)).not.toContain(stray);
    expect(after.every((i) => i.valid)).toBe(true);
    expect(after).toHaveLength(INDEX_POLICY.length);

    const second = await setup();
    expect(second.stderr).toBe('');
    expect(await ours()).toEqual(after);
  });
});
