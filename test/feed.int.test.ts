import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, mesh, newUser, openEventStream, restore, stack, type TestUser } from '@feedmesh/testkit';

// The read side end to end: posts-service → Kafka → feed-service → Redis → gateway.
let ann: TestUser;
beforeAll(async () => {
  ann = await newUser('feeder');
});

interface Page {
  items: Array<{ id: string; title: string; author_id: string }>;
  limit: number;
  skip: number;
  count: number;
}
const get = async (path: string, user?: TestUser) => {
  const res = await fetch(`${stack.gatewayUrl}/api/activity-stream${path}`, {
    headers: user ? { authorization: `Bearer ${user.token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as Page & { error?: { code: string } } };
};
const write = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${stack.gatewayUrl}/api/posts${path}`, {
    method,
    headers: { authorization: `Bearer ${ann.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.status === 204 ? undefined : ((await res.json()) as { id: string });
};
const titleIn = async (path: string, id: string, user?: TestUser) =>
  (await get(path, user)).body.items.find((i) => i.id === id)?.title;

describe('activity streams through the gateway', () => {
  it('show a new post, its update and its removal, in the global and the author stream', async () => {
    const post = (await write('POST', '', { title: 'Streamed', content: 'hello' }))!;
    const seen = await eventually(async () => (await titleIn('?limit=50', post.id)) === 'Streamed', 10_000, 10);
    console.info(`create to visible through the gateway: ${seen.ms} ms`);
    expect(await titleIn('/user', post.id, ann)).toBe('Streamed');
    expect(await titleIn(`/user/${ann.id}`, post.id)).toBe('Streamed');

    await write('PUT', `/${post.id}`, { title: 'Streamed (edited)' });
    await eventually(async () => (await titleIn('?limit=50', post.id)) === 'Streamed (edited)', 10_000, 10);
    expect(await titleIn('/user', post.id, ann)).toBe('Streamed (edited)');

    await write('DELETE', `/${post.id}`);
    await eventually(async () => (await titleIn('?limit=50', post.id)) === undefined, 10_000, 10);
    expect(await titleIn('/user', post.id, ann)).toBeUndefined();
  });

  it('answers every page in one shape, and refuses bad paging with 400', async () => {
    const { status, body } = await get('?limit=3&skip=1');
    expect(status).toBe(200);
    expect(body).toMatchObject({ limit: 3, skip: 1 });
    expect(body.count).toBe(body.items.length);
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'skip=-1', 'skip=1e9', 'order=asc']) {
      const bad = await get(`?${q}`);
      expect(bad.status, q).toBe(400);
      expect(bad.body.error?.code).toBe('validation_failed');
    }
  });

  it("keeps the caller's own stream behind a token, and anyone's by id public", async () => {
    expect((await get('/user')).status).toBe(401);
    expect((await get(`/user/${ann.id}`)).status).toBe(200);
    const stats = await get('/stats');
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({
      global_length: expect.any(Number),
      events_applied: expect.any(Number),
      duplicates_skipped: expect.any(Number),
      dead_lettered: expect.any(Number),
    });
  });

  it('answers 503 JSON while Redis is away, and catches up once it is back', async () => {
    await mesh('stop', 'redis');
    let post: { id: string } | undefined;
    try {
      const down = await get('');
      expect(down.status).toBe(503);
      expect(down.body.error?.code).toBe('unavailable');
      // A live stream too is refused, not left waiting.
      const live = await openEventStream(`${stack.gatewayUrl}/api/activity-stream/live`);
      expect(live.status).toBe(503);
      expect(JSON.parse(live.refusal)).toMatchObject({ error: { code: 'unavailable' } });
      post = await write('POST', '', { title: 'Written while Redis was away', content: 'x' });
    } finally {
      await restore('redis');
    }
    await eventually(
      async () => (await titleIn('?limit=50', post!.id)) === 'Written while Redis was away',
      60_000,
      100,
    );
  });

  it('loses and doubles nothing when feed-service is restarted in the middle of a stream', async () => {
    const writer = await newUser('stream');
    const create = (n: number) =>
      fetch(`${stack.gatewayUrl}/api/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `stream ${n}`, content: 'x' }),
      }).then(async (r) => ((await r.json()) as { id: string }).id);
    const ids: string[] = [];
    const writing = (async () => {
      for (let n = 0; n < 60; n++) {
        ids.push(await create(n));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 700));
    await mesh('restart', 'feed-service');
    await writing;
    const stream = async () => (await get(`/user/${writer.id}?limit=100`)).body.items;
    await eventually(async () => (await stream()).length === 60, 60_000, 200);
    const items = await stream();
    expect(new Set(items.map((i) => i.id))).toEqual(new Set(ids));
    expect(items.map((i) => i.title)).toEqual(Array.from({ length: 60 }, (_, n) => `stream ${59 - n}`));
  });

  it('rebuilds every feed from the log exactly as it was', async () => {
    const snapshot = async () =>
      [await get('?limit=100&skip=0'), await get('?limit=100&skip=900'), await get(`/user/${ann.id}?limit=100`)].map(
        (r) => r.body.items,
      );
    const before = await snapshot();
    await mesh('feed-rebuild');
    expect(await snapshot()).toEqual(before);
  });
});
