import { createApp, IDENTITY_HEADERS, identityAssertions, identityKeyRing, toCursor } from '@feedmesh/common';
import { Collection, MongoBulkWriteError, MongoClient, type BulkWriteResult } from 'mongodb';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stack } from '@feedmesh/testkit';
import { ensureIndexes } from '../src/indexes.js';
import { COLLECTIONS } from '../src/collections.js';
import { eventKey, type EventDoc, type PostOutboxEntry } from '../src/outbox.js';
import { PAGE_SIZE, Places, placeDoc, type PlaceDoc } from '../src/positions.js';
import { postRoutes } from '../src/routes.js';
import { PostStore, type CommitTracker } from '../src/store.js';

// The real app against the stack's real MongoDB-protocol server, in a
// database of its own (dropped afterwards); publishing is covered by the
// publisher's own tests and end to end. Here a tracker notes what the store
// tells the publisher.
const mongo = new MongoClient(stack.mongodbUrl);
const db = mongo.db(`posts_test_${process.pid}_${Date.now().toString(36)}`);
const told = { begun: 0, committed: [] as PostOutboxEntry[], repair: [] as string[], failed: 0, unknown: 0 };
const tracker: CommitTracker = {
  begin: () => {
    told.begun++;
    return { committedAt: new Date() };
  },
  committed: (_commit, entry, options) => {
    told.committed.push(entry);
    if (options?.repair) told.repair.push(entry.id);
  },
  failed: () => void told.failed++,
  unknown: () => void told.unknown++,
};
const store = new PostStore(db, tracker, 'test-instance');
const all = db.collection<EventDoc | PlaceDoc>(COLLECTIONS.posts);
/** The event documents of one post, oldest first. */
const eventsOf = async (postId: string) =>
  (await all.find({ post_id: postId }).sort({ _id: 1 }).toArray()).filter((d): d is EventDoc => 'event' in d);
const assertions = identityAssertions((await identityKeyRing('1'.repeat(64))).keys);
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  await ensureIndexes(db);
  app = createApp({
    service: 'posts-service',
    logger: pino({ level: 'silent' }),
    instance: 't',
    checks: { mongodb: async () => undefined, kafka: async () => undefined },
    assertions,
    routes: postRoutes({ store }),
  });
});
afterAll(async () => {
  await db.dropDatabase();
  await mongo.close();
});

async function as(user: string, method: string, path = '', body?: unknown) {
  const headers: Record<string, string> = {
    [IDENTITY_HEADERS.userId]: user,
    [IDENTITY_HEADERS.assertion]: await assertions.sign({ userId: user, username: user }),
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await app.request(`/api/posts${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read arbitrary JSON
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
}

describe('posts CRUD', () => {
  it('creates, reads, updates and deletes a post, committing one event per change', async () => {
    const before = told.committed.length;
    const created = await as('ann', 'POST', '', { title: 'First', content: 'Hello', tags: ['intro'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      author_id: 'ann',
      title: 'First',
      content: 'Hello',
      tags: ['intro'],
      version: 1,
    });
    expect(created.body.id).toMatch(/^[0-9a-f]{24}$/);
    const id = created.body.id as string;

    expect((await as('bob', 'GET', `/${id}`)).body).toEqual(created.body);

    const updated = await as('ann', 'PUT', `/${id}`, { content: 'Hello again' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ title: 'First', content: 'Hello again', version: 2 });
    expect(Date.parse(updated.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));

    expect((await as('ann', 'DELETE', `/${id}`)).status).toBe(204);
    expect((await as('ann', 'GET', `/${id}`)).status).toBe(404);

    const committed = await eventsOf(id);
    expect(committed.map((e) => [e._id, e.event.type, e.log.startsWith('test-instance|')])).toEqual([
      [eventKey(id, 1), 'post.created', true],
      [eventKey(id, 2), 'post.updated', true],
      [eventKey(id, 3), 'post.deleted', true],
    ]);
    expect(committed.every((e) => e.event.actor === 'ann')).toBe(true);
    // Each handed to the publisher once, as it was committed.
    expect(told.committed.slice(before).map((e) => e.id)).toEqual(committed.map((e) => e._id));
  });

  it('lets only the author change or delete a post (403), and says 404 for a missing or malformed id', async () => {
    const { body } = await as('ann', 'POST', '', { title: 'Mine', content: 'x' });
    expect((await as('bob', 'PUT', `/${body.id}`, { title: 'Yours now' })).status).toBe(403);
    expect((await as('bob', 'DELETE', `/${body.id}`)).status).toBe(403);
    expect((await as('ann', 'GET', `/${body.id}`)).body.title).toBe('Mine');
    for (const id of [
      '0123456789abcdef01234567',
      'not-an-id',
      '..%2F..%2Fetc%2Fpasswd',
      '%7B%22%24gt%22%3A%22%22%7D',
    ]) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await as('ann', method, `/${id}`, method === 'PUT' ? { title: 't' } : undefined);
        expect(res.status, `${method} ${id}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
  });

  it('never loses an acknowledged update: concurrent edits either commit in turn or get 409', async () => {
    const { body } = await as('ann', 'POST', '', { title: 'Race', content: 'v1' });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => as('ann', 'PUT', `/${body.id}`, { content: `edit ${i}` })),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(ok.length).toBeGreaterThan(0);
    const final = (await as('ann', 'GET', `/${body.id}`)).body;
    expect(final.version).toBe(1 + ok.length);
    expect(await eventsOf(body.id)).toHaveLength(1 + ok.length);
    expect(ok.map((r) => r.body.content)).toContain(final.content);
  });

  it('lists newest first with limit and skip, optionally by author', async () => {
    const author = `lister-${Date.now()}`;
    for (let i = 0; i < 5; i++) await as(author, 'POST', '', { title: `n${i}`, content: 'x' });
    const page = await as('x', 'GET', `?author_id=${author}&limit=2&skip=1`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ limit: 2, skip: 1, count: 2 });
    expect(page.body.items.map((p: { title: string }) => p.title)).toEqual(['n3', 'n2']);
  });

  it('lists every post exactly once, newest first, across pages, with skip, `next` and deletions', async () => {
    const author = `pager-${Date.now()}`;
    const other = `other-${Date.now()}`;
    const mine: string[] = [];
    const total = 2 * PAGE_SIZE + 7; // three pages, the last one partly filled
    for (let i = 0; i < total; i++) {
      const { body } = await as(i % 3 === 0 ? other : author, 'POST', '', { title: `p${i}`, content: 'x' });
      if (i % 3 !== 0) mine.push(body.id);
    }
    await as(author, 'DELETE', `/${mine[10]}`);
    const expected = mine.filter((_, i) => i !== 10).reverse();

    const walk = async (query: string) => {
      const seen: string[] = [];
      let next: string | null = null;
      do {
        const res = await as('x', 'GET', `?${query}&limit=17${next ? `&before=${next}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((p: { id: string }) => p.id));
        next = res.body.next;
      } while (next);
      return seen;
    };
    expect(await walk(`author_id=${author}`)).toEqual(expected);
    const global = await walk('');
    expect(global.filter((id) => expected.includes(id))).toEqual(expected);
    expect(new Set(global).size).toBe(global.length);

    const skipped = await as('x', 'GET', `?author_id=${author}&skip=${PAGE_SIZE - 2}&limit=5`);
    expect(skipped.body.items.map((p: { id: string }) => p.id)).toEqual(expected.slice(PAGE_SIZE - 2, PAGE_SIZE + 3));

    // Every cursor is answered: one far beyond the newest place is the newest page, at once.
    const far = await as('x', 'GET', `?author_id=${author}&limit=3&before=${toCursor(2 ** 48 - 1)}`);
    expect(far.body.items.map((p: { id: string }) => p.id)).toEqual(expected.slice(0, 3));
    // A raw place (the form cursors had before), and anything else that is not a cursor, is a 400.
    const json = Buffer.from('{"p":12}').toString('base64url');
    for (const before of ['0', '12', 'abc', '-1', '1e3', 'AAAAAAA', 'AAAAAAAAA', 'AAAA+AAA', 'AAAA%3DAA', json, '']) {
      const res = await as('x', 'GET', `?author_id=${author}&before=${before}`);
      expect(res.status, before).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', issues: [{ path: 'before' }] });
    }
  });

  it('creates a post in one insert with its places and its event, and those that queue meanwhile in the next', async () => {
    const author = `group-${Date.now()}`;
    const inserts = vi.spyOn(Collection.prototype, 'insertMany');
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => as(author, 'POST', '', { title: `g${i}`, content: 'x' })),
    );
    expect(created.every((r) => r.status === 201)).toBe(true);
    expect(inserts.mock.calls.length).toBeLessThanOrEqual(3); // not one per post: those waiting go together
    inserts.mockRestore();
    // Every post at its own place of its author's sequence, dense, in the order they were created.
    const titles = (await as('x', 'GET', `?author_id=${author}&limit=30`)).body.items.map(
      (p: { title: string }) => p.title,
    );
    expect([...titles].sort()).toEqual(created.map((r) => r.body.title).sort());
    expect(await new Places(db.collection<PlaceDoc>(COLLECTIONS.posts)).top(`a:${author}`)).toBe(30);
  });

  it('holds a create up to its linger after the last insert began, so creates spaced apart share one, and never holds a lone one', async () => {
    const author = `linger-${Date.now()}`;
    // Long, so that neither a slow machine nor a cold store blurs what waited and what did not.
    const lingering = new PostStore(db, tracker, 'linger-instance', 3_000);
    const post = { title: 'l', content: 'x', tags: [] };
    const started = performance.now();
    await lingering.create(author, post); // the first after a quiet spell goes at once
    expect(performance.now() - started).toBeLessThan(1_500);
    const inserts = vi.spyOn(Collection.prototype, 'insertMany');
    const spaced: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      spaced.push(lingering.create(author, post));
      await new Promise((resolve) => setTimeout(resolve, 6));
    }
    await Promise.all(spaced);
    // Without the linger each would find no insert out and go alone.
    expect(inserts.mock.calls.length).toBe(1);
    inserts.mockRestore();
  });

  it('takes the next place when another instance took one first, leaving no hole and no lost post', async () => {
    const author = `race-${Date.now()}`;
    const rival = new PostStore(db, tracker, 'rival-instance');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? store : rival).create(author, { title: `r${i}`, content: 'x', tags: [] }),
      ),
    );
    expect(new Set(results.map((p) => p.id)).size).toBe(20);
    const listed = (await as('x', 'GET', `?author_id=${author}&limit=50`)).body.items;
    expect(listed).toHaveLength(20);
    // Claimed places are dense: the sequence ends at 20 plus any claimed by a create that lost its race and went again.
    const places = new Places(db.collection<PlaceDoc>(COLLECTIONS.posts));
    const top = await places.top(`a:${author}`);
    for (let n = 1; n <= top; n++)
      expect(await all.findOne({ _id: placeDoc(`a:${author}`, n, '')._id })).not.toBeNull();
  });

  it('has the publisher repair an edit whose post write failed after its event committed, and answers with the error', async () => {
    const { body } = await as('ann', 'POST', '', { title: 'Fragile', content: 'v1' });
    const write = vi.spyOn(Collection.prototype, 'replaceOne').mockRejectedValueOnce(new Error('connection reset'));
    const res = await as('ann', 'PUT', `/${body.id}`, { content: 'v2' });
    write.mockRestore();
    expect(res.status).toBe(500);
    expect(told.repair).toContain(eventKey(body.id, 2));
    expect((await eventsOf(body.id)).map((e) => e.version)).toEqual([1, 2]);
  });

  it('begins no commit for a create whose places could not be looked up, so nothing holds the checkpoint back', async () => {
    const authors = ['a', 'b', 'c'].map((x) => `unplaced-${x}-${Date.now()}`);
    const findOne = Collection.prototype.findOne as (...a: unknown[]) => Promise<unknown>;
    // The third author's newest place cannot be looked up; the second and third share one insert.
    const probe = vi.spyOn(Collection.prototype, 'findOne').mockImplementation(function (
      this: Collection,
      ...args: unknown[]
    ) {
      const [filter] = args as [{ _id?: unknown }];
      if (String(filter?._id).startsWith(`a:${authors[2]}:`)) return Promise.reject(new Error('connection reset'));
      return findOne.apply(this, args);
    } as typeof Collection.prototype.findOne);
    const results = await Promise.all(
      authors.map((author) => as(author, 'POST', '', { title: 'Placed?', content: 'x' })),
    );
    probe.mockRestore();
    expect(results.map((r) => r.status)).toContain(500);
    expect(told.begun).toBe(told.committed.length + told.failed + told.unknown);
  });

  it('never brings a deleted post back when an older event of it is repaired late (a recovery)', async () => {
    const { body } = await as('ann', 'POST', '', { title: 'Gone', content: 'x' });
    expect((await as('ann', 'DELETE', `/${body.id}`)).status).toBe(204);
    const created = told.committed.find((e) => e.id === eventKey(body.id, 1))!;
    await store.repair(created);
    expect((await as('ann', 'GET', `/${body.id}`)).status).toBe(404);
  });

  it('answers the creates of a batch that landed before a document the server refused, and only the rest with its error', async () => {
    const author = `refused-${Date.now()}`;
    const insertMany = Collection.prototype.insertMany as (...a: unknown[]) => Promise<unknown>;
    let calls = 0;
    const inserts = vi.spyOn(Collection.prototype, 'insertMany').mockImplementation(async function (
      this: Collection,
      ...args: unknown[]
    ) {
      if (++calls !== 2) return insertMany.apply(this, args);
      // The second insert carries two creates (eight documents): the first four land, the fifth is refused.
      const docs = (args[0] as unknown[]).slice(0, 4);
      await insertMany.apply(this, [docs, args[1]]);
      throw new MongoBulkWriteError({ message: 'refused', code: 2, writeErrors: [] }, {
        insertedCount: 4,
      } as unknown as BulkWriteResult);
    } as typeof Collection.prototype.insertMany);
    const before = told.committed.length;
    // The first create goes at once; the linger makes the other two wait for it and go together, however
    // slowly the machine runs.
    const lingering = new PostStore(db, tracker, 'refused-instance', 500);
    const results = await Promise.allSettled(
      ['one', 'two', 'three'].map((title) => lingering.create(author, { title, content: 'x', tags: [] })),
    );
    inserts.mockRestore();
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(told.committed.length - before).toBe(2);
    expect(told.begun).toBe(told.committed.length + told.failed + told.unknown);
  });

  it('finds the newest place once, then a listing looks it up with one probe', async () => {
    const author = `probe-${Date.now()}`;
    for (let i = 0; i < 3; i++) await store.create(author, { title: `p${i}`, content: 'x', tags: [] });
    const places = db.collection<PlaceDoc>(COLLECTIONS.posts);
    const reader = new Places(places);
    expect(await reader.top(`a:${author}`)).toBe(3);
    const probes = vi.spyOn(places, 'findOne');
    expect(await reader.top(`a:${author}`)).toBe(3);
    expect(probes).toHaveBeenCalledTimes(1);
    probes.mockRestore();
  });

  it('keeps only the indexes of the policy (on FerretDB, none of its own, which no query uses and every write pays for)', async () => {
    const ferretdb = 'ferretdbVersion' in (await db.admin().command({ buildInfo: 1 }));
    const posts = db.collection('posts');
    await posts.createIndex({ created_at: -1, _id: -1 }); // one the policy does not list
    await ensureIndexes(db);
    await ensureIndexes(db); // idempotent
    const names = async (collection: string) => (await db.collection(collection).indexes()).map((i) => i.name).sort();
    expect(await names('posts')).toEqual(ferretdb ? ['_id_'] : ['_id_', 'author_page_1', 'log_1', 'page_1']);
    expect(await names('outbox_checkpoints')).toEqual(['_id_']);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'skip=-1', 'skip=99999999', 'author_id[$ne]=x'])(
    'refuses ?%s with 400',
    async (q) => {
      const res = await as('ann', 'GET', `?${q}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    },
  );

  it('refuses bad bodies with the error shape', async () => {
    expect((await as('ann', 'POST', '', { title: { $gt: '' }, content: 'x' })).status).toBe(400);
    expect((await as('ann', 'POST', '', { title: 't', content: 'c'.repeat(10_001) })).status).toBe(400);
    expect((await as('ann', 'POST', '', { title: 't', content: 'c', tags: Array(11).fill('t') })).status).toBe(400);
  });
});
