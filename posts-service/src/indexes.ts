import { MongoServerError, type Db } from 'mongodb';
import type pg from 'pg';
import { COLLECTIONS, type CollectionName } from './collections.js';

/**
 * The index policy of posts_db, for both MongoDB-protocol servers the stack
 * may run. Each query of this service is an equality on one top-level field
 * (see positions.ts for why listings are), and each such field is listed here
 * with the collection it is looked up in.
 *
 * - A real mongod gets the wire protocol's index on each field (`_id` has
 *   its own already).
 * - FerretDB v1 gets none of those: it records them, but sends every filter
 *   to PostgreSQL as `_jsonb->'<field>' @> <value>`, which its btrees cannot
 *   serve, so they would only slow every write. Instead the setup script
 *   (setup.ts) gives the PostgreSQL table behind each collection a GIN index
 *   on each field, which that filter uses (stack/ferretdb/README.md).
 *
 * Whatever else is found is dropped: an index nobody reads still costs every write.
 */
interface FieldIndex {
  collection: CollectionName;
  field: string;
  /** On a mongod: only the documents that have the field (a flag that goes once it is done). */
  sparse?: boolean;
}

export const INDEX_POLICY: readonly FieldIndex[] = [
  { collection: COLLECTIONS.posts, field: '_id' }, // a post read, changed or deleted; a place probed for the newest
  { collection: COLLECTIONS.posts, field: 'page', sparse: true }, // a page of the global listing
  { collection: COLLECTIONS.posts, field: 'author_page', sparse: true }, // a page of one author's listing
  { collection: COLLECTIONS.posts, field: 'log', sparse: true }, // recovery: one instance's commits of ten seconds
  { collection: COLLECTIONS.checkpoints, field: '_id' }, // a checkpoint written
];

const INDEXED = [...new Set(INDEX_POLICY.map((i) => i.collection))];

const NAMESPACE_EXISTS = 48;
const ID_INDEX = '_id_';

export async function isFerretdb(db: Db): Promise<boolean> {
  return 'ferretdbVersion' in (await db.admin().command({ buildInfo: 1 }));
}

/**
 * What the service does at start: creates its collections (on FerretDB, that
 * creates their tables, which the GIN indexes need), then makes the wire
 * protocol's indexes what the policy says for this server. Idempotent.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  const ferretdb = await isFerretdb(db);
  for (const name of INDEXED) {
    await db.createCollection(name).catch((err: unknown) => {
      if (!(err instanceof MongoServerError && err.code === NAMESPACE_EXISTS)) throw err;
    });
    const collection = db.collection(name);
    const wanted = new Set([ID_INDEX]);
    if (!ferretdb) {
      for (const { field, sparse } of INDEX_POLICY.filter((i) => i.collection === name && i.field !== '_id')) {
        wanted.add(await collection.createIndex({ [field]: 1 }, { sparse: sparse ?? false }));
      }
    }
    for (const { name: index } of await collection.indexes()) {
      if (index && !wanted.has(index)) await collection.dropIndex(index);
    }
  }
}

/** Name of our GIN index on one field of a FerretDB table: how we know ours from FerretDB's own. */
export const ginIndexName = (table: string, field: string) => `${table}_feedmesh_gin_${field}`;
const OURS = '%\\_feedmesh\\_gin\\_%';

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The PostgreSQL table FerretDB keeps a collection in (its metadata names it), or undefined before it exists. */
export async function ferretdbTable(pgClient: pg.Client, database: string, collection: string) {
  const { rows } = await pgClient.query<{ table: string }>(
    `SELECT _jsonb->>'table' AS table FROM ${ident(database)}._ferretdb_database_metadata WHERE _jsonb->>'_id' = $1`,
    [collection],
  );
  return rows[0]?.table;
}

/**
 * What the setup script does on FerretDB, in the PostgreSQL database behind
 * it: a GIN index for each entry of the policy, and none of ours besides.
 * Run after `ensureIndexes` (the tables must exist). Concurrently, so the
 * service keeps writing meanwhile; an index a killed run left half built
 * (invalid) is built again. Returns what it changed.
 */
export async function ensureFerretdbIndexes(pgClient: pg.Client, database: string) {
  const schema = ident(database);
  const wanted = new Map<string, string>();
  for (const { collection, field } of INDEX_POLICY) {
    const table = await ferretdbTable(pgClient, database, collection);
    if (!table) throw new Error(`FerretDB has no table for ${database}.${collection}; run ensureIndexes first`);
    wanted.set(
      ginIndexName(table, field),
      `ON ${schema}.${ident(table)} USING gin ((_jsonb->${literal(field)}) jsonb_path_ops)`,
    );
  }
  const { rows: existing } = await pgClient.query<{ name: string; valid: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname LIKE $2`,
    [database, OURS],
  );
  const dropped = existing.filter((i) => !wanted.has(i.name) || !i.valid).map((i) => i.name);
  for (const name of dropped) await pgClient.query(`DROP INDEX CONCURRENTLY IF EXISTS ${schema}.${ident(name)}`);
  const kept = new Set(existing.filter((i) => !dropped.includes(i.name)).map((i) => i.name));
  const created = [...wanted.keys()].filter((name) => !kept.has(name));
  for (const name of created)
    await pgClient.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${ident(name)} ${wanted.get(name)}`);
  return { created, dropped };
}
