import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoDir, stack } from '@feedmesh/testkit';

// The native stack gives FerretDB's tables the GIN indexes its pushed-down
// filters can use (stack/ferretdb/indexes.conf). Without them every lookup
// by _id and every relay poll is a scan of the whole table.
const wanted = readFileSync(`${repoDir}stack/ferretdb/indexes.conf`, 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => l.trim().split(/\s+/) as [string, string, string]);

const db = new pg.Client({ connectionString: stack.ferretdbPostgresUrl });

describe.skipIf(!stack.ferretdbPostgresUrl)('FerretDB indexes', () => {
  beforeAll(() => db.connect());
  afterAll(() => db.end());

  it('makes PostgreSQL plan each FerretDB statement for its values, so expression indexes stay usable', async () => {
    const { rows } = await db.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode');
    expect(rows[0]?.plan_cache_mode).toBe('force_custom_plan');
  });

  it.each(wanted)(
    '%s.%s has a GIN index on %s that PostgreSQL uses for the filter FerretDB sends',
    async (schema, collection, field) => {
      const { rows } = await db.query<{ table: string }>(
        `SELECT _jsonb->>'table' AS table FROM "${schema}"._ferretdb_database_metadata WHERE _jsonb->>'_id' = $1`,
        [collection],
      );
      const table = rows[0]?.table;
      expect(table, `${schema}.${collection} exists`).toBeDefined();
      await db.query('BEGIN');
      try {
        await db.query('SET LOCAL enable_seqscan = off');
        const plan = await db.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN SELECT _jsonb FROM "${schema}"."${table}" WHERE _jsonb->'${field}' @> '"x"'`,
        );
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(`${table}_feedmesh_gin_${field}`);
      } finally {
        await db.query('ROLLBACK');
      }
    },
  );
});
