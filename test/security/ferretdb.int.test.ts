import { MongoClient, type Db } from 'mongodb';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { manifest } from '@feedmesh/common';
import { mesh, secret, stack } from '@feedmesh/testkit';

// Issue 13, finding 4, for the MongoDB protocol, as a process on the same
// host tries it: FerretDB takes no client without a login, a wrong password
// gets nothing, and posts-service's login reaches its own collections only.
// FerretDB v1 checks no password itself: it hands each login to PostgreSQL,
// so a refusal comes with the first command, not at the handshake.

const POSTS = 'posts-service';
const POSTS_DB = 'posts_db';
/** The user stack/mesh gives a service, and its password (the store's secret). */
const user = (service: string) => service.replace(/-/g, '_');
const passwordOf = (service: string) => secret(`${user(service).toUpperCase()}_${manifest.stores.mongodb!.password!}`);
/** The stack's MongoDB URL as another user with another password, or as nobody at all. */
function as(name: string, password: string): string {
  const url = new URL(stack.mongodbUrl);
  url.username = name;
  url.password = password;
  return url.href;
}
function anonymous(): string {
  const url = new URL(stack.mongodbUrl);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.href;
}

/** A PostgreSQL URL of the stack as posts-service's role. */
function asRole(url: string): string {
  const parsed = new URL(url);
  parsed.username = user(POSTS);
  parsed.password = passwordOf(POSTS);
  return parsed.href;
}

const clients: MongoClient[] = [];
const connect = (url: string) => {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000, retryReads: false, retryWrites: false });
  clients.push(client);
  return client;
};
const pgClients: pg.Client[] = [];
const pgConnect = async (url: string) => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  pgClients.push(client);
  await client.connect();
  return client;
};
/** Neither read nor write gets through to the collection. */
async function refused(db: Db, collection: string): Promise<void> {
  await expect(db.collection(collection).findOne({}), `${db.databaseName}.${collection} read`).rejects.toThrow();
  const write = db.collection<{ _id: string }>(collection).insertOne({ _id: 'forged' });
  await expect(write, `${db.databaseName}.${collection} write`).rejects.toThrow();
}
const scratch = `security_probe_${process.pid}_${Date.now().toString(36)}`;
afterAll(async () => {
  await connect(stack.mongodbUrl).db(scratch).dropDatabase();
  await connect(as(user(POSTS), passwordOf(POSTS)))
    .db(POSTS_DB)
    .collection(scratch)
    .drop()
    .catch(() => undefined);
  await Promise.all([...clients.map((c) => c.close()), ...pgClients.map((c) => c.end().catch(() => undefined))]);
});

describe.skipIf(!stack.ferretdbPostgresUrl)('FerretDB', () => {
  it('gives a client without a login nothing: no database list, no posts to read, none to write', async () => {
    const client = connect(anonymous());
    await expect(client.db('admin').admin().listDatabases()).rejects.toThrow();
    await refused(client.db(POSTS_DB), 'posts');
    // Nothing reaches PostgreSQL either: not even the server's state behind `ping`.
    await expect(client.db('admin').command({ ping: 1 })).rejects.toThrow();
    // `hello` needs no storage and still answers, so a client can tell it is FerretDB that refuses.
    expect((await client.db('admin').command({ hello: 1 })).ok).toBe(1);
  });

  it("refuses a wrong password, for posts-service's user and for the admin", async () => {
    for (const name of [user(POSTS), new URL(stack.mongodbUrl).username]) {
      const client = connect(as(name, 'x'.repeat(64)));
      await expect(client.db(POSTS_DB).collection('posts').findOne({}), name).rejects.toThrow();
      await expect(client.db('admin').admin().listDatabases(), name).rejects.toThrow();
    }
  });

  it("lets posts-service's login read and write its own collections", async () => {
    const client = connect(as(user(POSTS), passwordOf(POSTS)));
    const db = client.db(POSTS_DB);
    await db.collection('posts').findOne({});
    const probe = db.collection<{ _id: string; n: number }>(scratch);
    await probe.insertOne({ _id: 'probe', n: 1 });
    await probe.updateOne({ _id: 'probe' }, { $set: { n: 2 } });
    expect(await probe.findOne({ _id: 'probe' })).toEqual({ _id: 'probe', n: 2 });
  });

  it("keeps posts-service's login out of what is not its own, in FerretDB and in PostgreSQL", async () => {
    // A database the admin made is not posts-service's.
    await connect(stack.mongodbUrl).db(scratch).collection<{ _id: string }>('secret').insertOne({ _id: 'x' });
    const posts = connect(as(user(POSTS), passwordOf(POSTS)));
    await refused(posts.db(scratch), 'secret');

    // The same role straight at PostgreSQL: FerretDB's database only, nothing of auth's or profile's.
    await expect(pgConnect(asRole(stack.databaseUrl))).rejects.toThrow(/permission denied for database/);
    const client = await pgConnect(asRole(stack.ferretdbPostgresUrl));
    const { rows } = await client.query<{ super: boolean; program: boolean }>(
      `SELECT rolsuper AS super, pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') AS program
         FROM pg_roles WHERE rolname = current_user`,
    );
    expect(rows).toEqual([{ super: false, program: false }]);
    await expect(client.query("COPY (SELECT 1) TO PROGRAM 'id'")).rejects.toThrow(/permission denied|program/);
    await expect(client.query('CREATE ROLE intruder')).rejects.toThrow(/permission denied/);
  });

  it("hands posts-service on up what was made in its own database only, not the admin's other databases", async () => {
    // up gives an older installation's objects (the admin's or the superuser's) to the service they are for.
    await connect(stack.mongodbUrl).db(scratch).collection<{ _id: string }>('secret').insertOne({ _id: 'y' });
    await mesh('up');
    await refused(connect(as(user(POSTS), passwordOf(POSTS))).db(scratch), 'secret');
    const admin = await pgConnect(stack.ferretdbPostgresUrl);
    const { rows } = await admin.query<{ schema: string; owner: string }>(
      'SELECT nspname AS schema, nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = ANY($1) ORDER BY 1',
      [[POSTS_DB, scratch]],
    );
    expect(rows).toEqual([
      { schema: POSTS_DB, owner: user(POSTS) },
      { schema: scratch, owner: new URL(stack.mongodbUrl).username },
    ]);
  });
});
