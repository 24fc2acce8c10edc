import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { manifest, withPassword } from '@feedmesh/common';
import { restore, secret, stack } from '@feedmesh/testkit';

// Issue 13, finding 4, as an attacker on the same host tries it: each store
// refuses a client without credentials, and each service's own credentials
// are refused outside that service's grants.

/** The user stack/mesh gives a service in a store, and the secret holding its password. */
const user = (service: string) => service.replace(/-/g, '_');
const passwordOf = (service: string, store: keyof typeof manifest.stores) =>
  secret(`${user(service).toUpperCase()}_${manifest.stores[store]!.password!}`);
/** A store URL with another user (and password, or none) in place of the admin's. */
function as(url: string, name: string, password?: string): string {
  const parsed = new URL(url);
  parsed.username = name;
  parsed.password = password ?? '';
  return parsed.href;
}

describe('Redis', () => {
  const clients: Redis[] = [];
  const connect = (url: string) => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false });
    // Refusals are what these tests expect; each command's own rejection reports them.
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  afterAll(() => clients.forEach((c) => c.disconnect()));
  const feed = () => connect(as(stack.redisUrl, user('feed-service'), passwordOf('feed-service', 'redis')));

  it('answers NOAUTH without a password (the default user has one)', async () => {
    // A bare connection, as any local process opens one (a client library would say HELLO first).
    const { hostname, port } = new URL(stack.redisUrl);
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.write('GET feed:activity:global\r\nFLUSHALL\r\n');
    let replies = '';
    for await (const chunk of socket) {
      replies += String(chunk);
      if (replies.split('\r\n').length > 2) break;
    }
    socket.destroy();
    expect(replies.split('\r\n').slice(0, 2)).toEqual([
      '-NOAUTH Authentication required.',
      '-NOAUTH Authentication required.',
    ]);
  });

  it('refuses a wrong password, for the admin user and for a service', async () => {
    await expect(connect(as(stack.redisUrl, new URL(stack.redisUrl).username, 'x'.repeat(64))).ping()).rejects.toThrow(
      /WRONGPASS/,
    );
    await expect(connect(as(stack.redisUrl, user('feed-service'), 'feedmesh')).ping()).rejects.toThrow(/WRONGPASS/);
  });

  it('keeps the feeds across a restart (the AOF replays as the admin user)', async () => {
    const admin = connect(stack.redisUrl);
    await admin.set('feed:restart-probe', 'kept');
    // A script's writes reach the AOF as MULTI/EXEC, which a restart replays.
    await feed().eval("return redis.call('HSET', KEYS[1], 'restart_probe', '1')", 1, 'feed:stats');
    await restore('redis', 'restart');
    const after = connect(stack.redisUrl);
    expect(await after.get('feed:restart-probe')).toBe('kept');
    expect(await after.hget('feed:stats', 'restart_probe')).toBe('1');
    await after.del('feed:restart-probe');
    await after.hdel('feed:stats', 'restart_probe');
  });

  it("lets feed-service's user at its own keys with its own commands only", async () => {
    const client = feed();
    expect(await client.lrange('feed:activity:global', 0, 0)).toBeInstanceOf(Array);
    for (const attempt of [
      () => client.flushall(),
      () => client.flushdb(),
      () => client.config('GET', '*'),
      () => client.keys('*'),
      () => client.call('CLIENT', 'LIST'),
      () => client.call('ACL', 'LIST'),
      () => client.set('session:someone', 'stolen'),
      () => client.get('other:key'),
      () => client.lrange('bench:activity:global', 0, 0),
      () => client.set('feed:activity:global', 'x'),
      () => client.del('feed:activity:global'),
    ])
      await expect(attempt()).rejects.toThrow(/NOPERM/);
    // Refused to everyone by the server's default; to this user by its ACL before that.
    await expect(client.call('DEBUG', 'SLEEP', '0')).rejects.toThrow(/NOPERM|DEBUG command not allowed/);
    // A script runs with the caller's rights: no way around the ACL through Lua.
    await expect(client.eval("return redis.call('FLUSHALL')", 0)).rejects.toThrow(/NOPERM|can't run this command/);
    await expect(client.eval("return redis.call('GET', KEYS[1])", 1, 'other:key')).rejects.toThrow(
      /NOPERM|can't run this command/,
    );
  });
});

describe('PostgreSQL', () => {
  const clients: pg.Client[] = [];
  async function connect(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    clients.push(client);
    await client.connect();
    return client;
  }
  afterAll(() => Promise.all(clients.map((c) => c.end().catch(() => undefined))));
  const serviceDb = (service: string) => connect(as(stack.databaseUrl, user(service), passwordOf(service, 'postgres')));

  it('refuses a login without the password, and with a wrong one', async () => {
    const admin = new URL(stack.databaseUrl).username;
    await expect(connect(as(stack.databaseUrl, admin, 'feedmesh-dev-only'))).rejects.toThrow(
      /password authentication failed/,
    );
    await expect(connect(as(stack.databaseUrl, admin, 'x'.repeat(64)))).rejects.toThrow(
      /password authentication failed/,
    );
    await expect(connect(as(stack.databaseUrl, user('auth-service')))).rejects.toThrow(/password/);
  });

  it('runs each service as a role of its own that is no superuser and owns its own tables only', async () => {
    const admin = await connect(stack.databaseUrl);
    const { rows } = await admin.query<{ rolname: string; rolsuper: boolean; program: boolean }>(
      `SELECT rolname, rolsuper, pg_has_role(oid, 'pg_execute_server_program', 'MEMBER') AS program
         FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
      [['auth_service', 'profile_service', 'posts_service', 'ferretdb']],
    );
    expect(rows).toEqual([
      { rolname: 'auth_service', rolsuper: false, program: false },
      { rolname: 'ferretdb', rolsuper: false, program: false },
      { rolname: 'posts_service', rolsuper: false, program: false },
      { rolname: 'profile_service', rolsuper: false, program: false },
    ]);
    const owners = await admin.query<{ table: string; owner: string }>(
      `SELECT tablename AS table, tableowner AS owner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    expect(owners.rows).toEqual(
      expect.arrayContaining([
        { table: 'users', owner: 'auth_service' },
        { table: 'auth_migrations', owner: 'auth_service' },
        { table: 'user_profiles', owner: 'profile_service' },
        { table: 'profile_migrations', owner: 'profile_service' },
      ]),
    );
  });

  it("keeps auth-service's password hashes from profile-service's role, and each out of the other's tables", async () => {
    const profile = await serviceDb('profile-service');
    expect((await profile.query('SELECT count(*) FROM user_profiles')).rowCount).toBe(1);
    await expect(profile.query('SELECT password_hash FROM users LIMIT 1')).rejects.toThrow(/permission denied/);
    await expect(profile.query('ALTER TABLE users OWNER TO profile_service')).rejects.toThrow(/must be owner/);
    await expect(profile.query('GRANT SELECT ON users TO profile_service')).rejects.toThrow(/permission denied|owner/);
    const auth = await serviceDb('auth-service');
    await expect(auth.query('SELECT * FROM user_profiles LIMIT 1')).rejects.toThrow(/permission denied/);
  });

  it('refuses COPY … PROGRAM and server files to every service role', async () => {
    for (const service of ['auth-service', 'profile-service']) {
      const client = await serviceDb(service);
      await expect(client.query("COPY (SELECT 1) TO PROGRAM 'id'")).rejects.toThrow(
        /permission denied|pg_execute_server_program/,
      );
      await expect(client.query("SELECT pg_read_file('/etc/passwd')")).rejects.toThrow(/permission denied/);
      await expect(client.query('CREATE ROLE intruder')).rejects.toThrow(/permission denied/);
    }
  });

  it("keeps FerretDB's role to its own database", async () => {
    const ferret = as(stack.databaseUrl, 'ferretdb', secret('ADMIN_MONGODB_PASSWORD'));
    await expect(connect(ferret)).rejects.toThrow(/permission denied for database/);
    const own = await connect(
      withPassword(as(stack.ferretdbPostgresUrl, 'ferretdb'), secret('ADMIN_MONGODB_PASSWORD')),
    );
    expect((await own.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db).toBe('ferretdb');
    await expect(own.query("COPY (SELECT 1) TO PROGRAM 'id'")).rejects.toThrow(
      /permission denied|pg_execute_server_program/,
    );
  });
});
