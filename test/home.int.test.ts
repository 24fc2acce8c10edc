import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, mesh, newUser, serviceUrl, stack, type TestUser } from '@feedmesh/testkit';

// Home timelines end to end: posts-service and profile-service → Kafka → feed-service
// (posts fanned out to followers, follows applied to its own graph) → Redis → the gateway.

// Several users: made at auth-service's own address, past the gateway's credentials rate limit.
const someone = (tag: string) => newUser(tag, serviceUrl('auth-service'));

const send = async (user: TestUser, method: string, path: string, body?: unknown) =>
  fetch(`${stack.gatewayUrl}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

interface HomePage {
  items: Array<{ id: string; title: string; author_id: string }>;
  limit: number;
  skip: number;
  count: number;
  next: string | null;
  error?: { code: string };
}
const home = async (user: TestUser, query = '') => {
  const res = await send(user, 'GET', `/activity-stream/home${query}`);
  return { status: res.status, body: (await res.json()) as HomePage };
};
const homeTitles = async (user: TestUser) => (await home(user, '?limit=100')).body.items.map((i) => i.title);

const post = async (user: TestUser, title: string) => {
  const res = await send(user, 'POST', '/posts', { title, content: 'at home' });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
};

/** Every page, following `next` as it is given. */
async function allPages(user: TestUser, limit: number, between?: () => Promise<unknown>) {
  const ids: string[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const { status, body }: { status: number; body: HomePage } = await home(
      user,
      `?limit=${limit}${next === null ? '' : `&before=${encodeURIComponent(next)}`}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ limit, skip: 0, count: body.items.length });
    ids.push(...body.items.map((i) => i.id));
    next = body.next;
    pages++;
    if (next !== null) await between?.();
  } while (next !== null);
  return { ids, pages };
}

let ann: TestUser;
beforeAll(async () => {
  ann = await someone('homer');
});

describe('GET /api/activity-stream/home', () => {
  it("is the caller's: a token is required, and the caller's own posts are there", async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/activity-stream/home`);
    expect(res.status).toBe(401);
    const mine = await post(ann, 'my own');
    await eventually(async () => (await homeTitles(ann)).includes('my own'), 10_000, 20);
    const { body } = await home(ann, '?limit=5');
    expect(body.items[0]).toMatchObject({ id: mine.id, author_id: ann.id, title: 'my own' });
  });

  it('pages by cursor with nothing skipped or repeated while new posts arrive', async () => {
    const writer = await someone('homepager');
    const titles = Array.from({ length: 12 }, (_, i) => `page ${i}`);
    const made: string[] = [];
    for (const t of titles) made.push((await post(writer, t)).id);
    await eventually(async () => (await homeTitles(writer)).length === 12, 10_000, 20);
    let n = 0;
    // A new post before each further page: above the reader, it shifts nothing below.
    const { ids, pages } = await allPages(writer, 5, async () => {
      await post(writer, `meanwhile ${n++}`);
      await eventually(async () => (await homeTitles(writer)).includes(`meanwhile ${n - 1}`), 10_000, 20);
    });
    expect(pages).toBe(3);
    expect(ids).toEqual([...made].reverse());
  });

  it('refuses what is not its paging with 400', async () => {
    for (const q of ['limit=0', 'limit=101', 'skip=5', 'before=AAAAAAAA', 'before=nope', 'before=AAAA%2BAAAAA']) {
      const { status, body } = await home(ann, `?${q}`);
      expect(status, q).toBe(400);
      expect(body.error?.code).toBe('validation_failed');
    }
  });
});

describe('following and unfollowing, at home', () => {
  it("brings the followee's posts in, in their places, shows their edits and deletions, and takes them out on unfollow", async () => {
    const [writer, reader] = [await someone('followed'), await someone('follower')];
    expect((await send(writer, 'POST', '/profile', { display_name: 'Writer' })).status).toBe(201);
    const early = await post(writer, 'before the follow');
    const own = await post(reader, "the reader's own");
    const later = await post(writer, 'also before the follow');
    await eventually(async () => (await homeTitles(reader)).includes("the reader's own"), 10_000, 20);

    // Twice: a follow is idempotent.
    for (let i = 0; i < 2; i++) expect((await send(reader, 'PUT', `/profile/following/${writer.id}`)).status).toBe(200);
    const backfilled = ['also before the follow', "the reader's own", 'before the follow'];
    await eventually(async () => (await homeTitles(reader)).join() === backfilled.join(), 10_000, 20);

    const fresh = await post(writer, 'after the follow');
    await eventually(async () => (await homeTitles(reader))[0] === 'after the follow', 10_000, 20);
    expect((await send(writer, 'PUT', `/posts/${later.id}`, { title: 'edited' })).status).toBe(200);
    expect((await send(writer, 'DELETE', `/posts/${early.id}`)).status).toBe(204);
    const now = ['after the follow', 'edited', "the reader's own"];
    await eventually(async () => (await homeTitles(reader)).join() === now.join(), 10_000, 20);
    // The author's own timeline shows the same, from the same snapshots.
    expect((await home(writer, '?limit=100')).body.items.map((i) => i.id)).toEqual([fresh.id, later.id]);

    for (let i = 0; i < 2; i++)
      expect((await send(reader, 'DELETE', `/profile/following/${writer.id}`)).status).toBe(204);
    await eventually(async () => (await homeTitles(reader)).join() === "the reader's own", 10_000, 20);
    const res = (await home(reader)).body;
    expect(res.items.map((i) => i.id)).toEqual([own.id]);
    // And what the writer posts next stays out.
    await post(writer, 'after the unfollow');
    await eventually(async () => (await homeTitles(writer)).includes('after the unfollow'), 10_000, 20);
    expect(await homeTitles(reader)).toEqual(["the reader's own"]);
  });
});

describe('a feed rebuild', () => {
  it('brings every home timeline back exactly as it was, from the two topics alone', async () => {
    const [bob, cy, dee] = [await someone('rebuilt'), await someone('rebuilt'), await someone('rebuilt')];
    for (const u of [bob, cy])
      expect((await send(u, 'POST', '/profile', { display_name: 'Followed' })).status).toBe(201);
    await post(bob, 'bob before');
    for (const followee of [bob, cy]) {
      expect((await send(dee, 'PUT', `/profile/following/${followee.id}`)).status).toBe(200);
    }
    const posts = [
      await post(bob, 'bob 1'),
      await post(cy, 'cy 1'),
      await post(dee, 'dee 1'),
      await post(bob, 'bob 2'),
    ];
    expect((await send(bob, 'PUT', `/posts/${posts[0]!.id}`, { title: 'bob 1 (edited)' })).status).toBe(200);
    expect((await send(cy, 'DELETE', `/posts/${posts[1]!.id}`)).status).toBe(204);
    expect((await send(dee, 'DELETE', `/profile/following/${cy.id}`)).status).toBe(204);
    expect((await send(cy, 'PUT', `/profile/following/${bob.id}`)).status).toBe(200);
    const expected = ['bob 2', 'dee 1', 'bob 1 (edited)', 'bob before'];
    await eventually(async () => (await homeTitles(dee)).join() === expected.join(), 10_000, 20);
    await eventually(async () => (await homeTitles(cy))[0] === 'bob 2', 10_000, 20);
    const pages = async () =>
      Promise.all(
        [dee, cy, bob, ann].map(async (u) => {
          const { status, body } = await home(u, '?limit=100');
          expect({ status, error: body.error }).toEqual({ status: 200, error: undefined });
          return body.items;
        }),
      );
    const before = await pages();
    await mesh('feed-rebuild');
    expect(await pages()).toEqual(before);
  });
});
