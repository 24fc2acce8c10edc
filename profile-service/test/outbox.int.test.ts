import { randomUUID } from 'node:crypto';
import {
  freePort,
  IDENTITY_HEADERS,
  PostgresOutboxLog,
  SOCIAL_EVENT_SCHEMA_VERSION,
  type SocialEvent,
} from '@feedmesh/common';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, eventually, sleep, spawnService, stack, stackAssertions, tapSocialEvents } from '@feedmesh/testkit';
import type { SocialOutboxEntry } from '../src/follows.js';
import { socialLog } from '../src/outbox.js';

// The follow graph's outbox in the stack's real PostgreSQL (profile-service's
// own tables, which the running service has migrated), and its recovery by the
// running service when an instance dies with commits it never published.
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
const log = socialLog(db);
/** Instances of this run alone: entries of an instance without a checkpoint are never recovered. */
const run = `${process.pid}-${Date.now().toString(36)}`;
afterAll(async () => {
  await db.query("DELETE FROM social_outbox WHERE instance LIKE '%' || $1", [run]);
  await db.end();
});

function change(committedAt: Date, version = 1): SocialOutboxEntry {
  const [follower, followee] = [randomUUID(), randomUUID()];
  const event: SocialEvent = {
    id: randomUUID(),
    schema_version: SOCIAL_EVENT_SCHEMA_VERSION,
    type: 'user.followed',
    time: committedAt.toISOString(),
    actor: follower,
    data: { follower_id: follower, followee_id: followee, version },
  };
  return { id: event.id, key: follower, event, committedAt };
}

/** Appends entries as a producer does, each in a transaction of its own. */
async function append(instance: string, entries: SocialOutboxEntry[]) {
  const client = await db.connect();
  try {
    for (const entry of entries) {
      await client.query('BEGIN');
      await log.append(client, [entry], instance);
      await client.query('COMMIT');
    }
  } finally {
    client.release();
  }
}

const committed = (instance: string, from: Date, to: Date) => collect(log.committed(instance, from, to));

describe('the social outbox log on PostgreSQL', () => {
  it("gives back one instance's commits of a time range in bounded chunks, in commit order", async () => {
    const one = `one-${run}`;
    const t0 = new Date(Date.now() - 60_000);
    const at = (ms: number) => new Date(t0.getTime() + ms);
    // 1 200 commits over 12 ms: more than two chunks, many sharing a millisecond.
    const entries = Array.from({ length: 1_200 }, (_, i) => change(at(100 + Math.floor(i / 100))));
    await db.query(
      `INSERT INTO social_outbox (id, instance, committed_at, key, event)
       SELECT e->>'id', $1, (e->>'committedAt')::timestamptz, e->>'key', e->'event' FROM jsonb_array_elements($2) e`,
      [one, JSON.stringify(entries)],
    );
    await append(one, [change(at(50)), change(at(30_000))]); // before the range, and after it
    await append(`another-${run}`, [change(at(200))]);

    const chunks = await committed(one, at(100), at(20_000));
    expect(chunks.map((c) => c.length)).toEqual([500, 500, 200]);
    expect(chunks.flat().map((e) => e.id)).toEqual(entries.map((e) => e.id));
    expect(chunks[0]![0]).toEqual(entries[0]);
    expect(await committed(one, at(112), at(29_999))).toEqual([]);
  });

  it("appends one change's several entries in one statement, in their order", async () => {
    const several = `several-${run}`;
    const at = new Date();
    const entries = Array.from({ length: 5 }, () => change(at));
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await log.append(client, entries, several);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const chunks = await committed(several, new Date(at.getTime() - 1), new Date(at.getTime() + 1));
    expect(chunks.flat().map((e) => e.id)).toEqual(entries.map((e) => e.id));
  });

  it('prunes the entries committed before a time, but those recorded as failed', async () => {
    // Tables of this test's own, shaped like the service's: its leader prunes social_outbox meanwhile.
    const [entries, checkpoints] = [
      `prune_outbox_${run.replace(/\W/g, '_')}`,
      `prune_checkpoints_${run.replace(/\W/g, '_')}`,
    ];
    await db.query(`CREATE TABLE ${entries} (LIKE social_outbox INCLUDING ALL)`);
    await db.query(`CREATE TABLE ${checkpoints} (LIKE social_outbox_checkpoints INCLUDING ALL)`);
    try {
      const own = new PostgresOutboxLog<SocialEvent>(db, { entries, checkpoints });
      const [gone, refused, kept] = [
        change(new Date(Date.now() - 7_200_000)),
        change(new Date(Date.now() - 7_200_000)),
        change(new Date()),
      ];
      const client = await db.connect();
      try {
        await own.append(client, [gone, refused, kept], 'pruning');
      } finally {
        client.release();
      }
      await own.markFailed(refused.id, 'MESSAGE_TOO_LARGE: too large', new Date());
      expect(await own.prune(new Date(Date.now() - 3_600_000))).toBe(1);
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM ${entries} ORDER BY seq`);
      expect(rows.map((r) => r.id)).toEqual([refused.id, kept.id]);
    } finally {
      await db.query(`DROP TABLE ${entries}, ${checkpoints}`);
    }
  });

  it('passes over an entry recorded as failed, and keeps its reason', async () => {
    const failing = `failing-${run}`;
    const at = new Date();
    const failed = change(at);
    await append(failing, [failed]);
    await log.markFailed(failed.id, 'MESSAGE_TOO_LARGE: too large', at);
    expect(await committed(failing, new Date(at.getTime() - 1), new Date(at.getTime() + 1))).toEqual([]);
    const { rows } = await db.query('SELECT failure FROM social_outbox WHERE id = $1', [failed.id]);
    expect(rows).toEqual([{ failure: 'MESSAGE_TOO_LARGE: too large' }]);
  });

  it('keeps one checkpoint per instance, replaced by each write, until removed', async () => {
    const [i1, i2] = [`i1-${run}`, `i2-${run}`];
    // Recent heartbeats: the running service's leader must not take these for dead instances meanwhile.
    const [a, b] = [new Date(Date.now() - 1_000), new Date()];
    await log.saveCheckpoint({ instance: i1, publishedBefore: a, heartbeat: a });
    await log.saveCheckpoint({ instance: i1, publishedBefore: b, heartbeat: b });
    await log.saveCheckpoint({ instance: i2, publishedBefore: a, heartbeat: b });
    const mine = async () =>
      Object.fromEntries((await log.checkpoints()).filter((c) => c.instance.endsWith(run)).map((c) => [c.instance, c]));
    expect(await mine()).toEqual({
      [i1]: { instance: i1, publishedBefore: b, heartbeat: b },
      [i2]: { instance: i2, publishedBefore: a, heartbeat: b },
    });
    await log.removeCheckpoint({ instance: i1, publishedBefore: a, heartbeat: a }); // not the one stored: stays
    expect(Object.keys(await mine()).sort()).toEqual([i1, i2]);
    await log.removeCheckpoint({ instance: i1, publishedBefore: b, heartbeat: b });
    await log.removeCheckpoint({ instance: i2, publishedBefore: a, heartbeat: b });
    expect(await mine()).toEqual({});
  });
});

describe('an instance killed with follows committed and not published', () => {
  it("loses none: the running service's leader publishes them once the dead heartbeat is stale", async () => {
    // An instance that can commit but never reach Kafka, so nothing it commits goes out.
    const doomed = spawnService('profile-service', await freePort(), {
      KAFKA_BROKERS: '127.0.0.1:1',
      CONSUL_REGISTER: 'false',
    });
    const assertions = await stackAssertions();
    const as = async (userId: string, method: string, path: string, body?: unknown) =>
      fetch(`${doomed.url}/api/profile${path}`, {
        method,
        headers: {
          [IDENTITY_HEADERS.userId]: userId,
          [IDENTITY_HEADERS.assertion]: await assertions.sign({ userId, username: 'doomed' }),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    try {
      await eventually(async () => (await fetch(`${doomed.url}/health/live`)).ok, 30_000, 200, 'the extra instance');
      const [star, fan] = [randomUUID(), randomUUID()];
      expect((await as(star, 'POST', '', { display_name: 'Star' })).status).toBe(201);
      const tap = await tapSocialEvents();
      expect((await as(fan, 'PUT', `/following/${star}`)).status).toBe(200);
      expect((await as(fan, 'DELETE', `/following/${star}`)).status).toBe(204);
      expect((await as(fan, 'PUT', `/following/${star}`)).status).toBe(200);
      // Its checkpoint (written every second) names it, and stays below these commits: none was published.
      await sleep(2_500);
      expect(tap.now((e) => e.data.follower_id === fan)).toEqual([]);
      doomed.proc.kill('SIGKILL');
      await doomed.exited;

      // The leader waits for the heartbeat to go stale (15 s), then publishes what was left, in order.
      const events = await tap.waitFor((e) => e.data.follower_id === fan, 3, 60_000);
      await tap.close();
      expect(events.map((e) => [e.type, e.data.version])).toEqual([
        ['user.followed', 1],
        ['user.unfollowed', 2],
        ['user.followed', 3],
      ]);
      await eventually(
        async () => !(await log.checkpoints()).some((c) => c.instance === doomed.id),
        10_000,
        200,
        'the dead checkpoint removed',
      );
    } finally {
      doomed.proc.kill('SIGKILL');
    }
  }, 120_000);
});
