import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@feedmesh/common';
import { eventually, type SpawnedService, spawnService, stack } from '@feedmesh/testkit';

// Two real auth-service processes start at the same moment on an empty
// database: exactly one applies the migrations, the other waits on the lock
// and finds nothing to do, and both come up healthy.
const dbName = `auth_migrate_${process.pid}_${Date.now().toString(36)}`;
const adminUrl = new URL(stack.databaseUrl);
adminUrl.pathname = '/postgres';
const testUrl = new URL(stack.databaseUrl);
testUrl.pathname = `/${dbName}`;
const started: SpawnedService[] = [];

afterAll(async () => {
  for (const svc of started) {
    svc.proc.kill('SIGTERM');
    await svc.exited;
  }
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
  await admin.end();
});

describe('auth-service migrations', () => {
  it('are applied once when two instances start together on an empty database', async () => {
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();

    const env = {
      DATABASE_URL: testUrl.toString(),
      CONSUL_REGISTER: 'false',
      LOG_LEVEL: 'info',
      SHUTDOWN_DELAY_MS: '0',
    };
    const [p1, p2] = [await freePort(), await freePort()];
    started.push(spawnService('auth-service', p1, env), spawnService('auth-service', p2, env));
    for (const port of [p1, p2]) {
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200, 30_000);
    }

    const applied = started.map(
      (s) =>
        s
          .output()
          .split('\n')
          .filter((l) => l.includes('"migrations applied"')).length,
    );
    expect(applied.sort()).toEqual([0, 1]);

    const db = new pg.Client({ connectionString: testUrl.toString() });
    await db.connect();
    const { rows } = await db.query<{ name: string }>('SELECT name FROM auth_migrations');
    const { rows: tables } = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'users'",
    );
    await db.end();
    expect(rows.map((r) => r.name)).toEqual([
      '20261121000000_create-users',
      '20261202000000_token-revocations',
      '20261203000000_auth-outbox',
    ]);
    expect(tables[0]?.n).toBe('1');
  });
});
