import type { PostEvent } from '@feedmesh/common';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  mesh,
  newUser,
  postEventsEnd,
  restore,
  stack,
  tapPostEvents,
  type TestUser,
} from '@feedmesh/testkit';

// Posts end to end: client → Traefik → posts-service → MongoDB → relay → Kafka.
let ann: TestUser;
let bob: TestUser;
beforeAll(async () => {
  [ann, bob] = [await newUser('ann'), await newUser('bob')];
});

const call = (user: TestUser, method: string, path = '', body?: unknown) =>
  fetch(`${stack.gatewayUrl}/api/posts${path}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

describe('posts through the gateway', () => {
  it('publishes one event per change, in order, keyed by the post', async () => {
    const tap = await tapPostEvents();
    const created = (await (
      await call(ann, 'POST', '', { title: 'Evented', content: 'one', tags: ['e2e'] })
    ).json()) as { id: string };
    expect((await call(ann, 'PUT', `/${created.id}`, { content: 'two' })).status).toBe(200);
    expect((await call(bob, 'PUT', `/${created.id}`, { content: 'hijack' })).status).toBe(403);
    expect((await call(ann, 'DELETE', `/${created.id}`)).status).toBe(204);

    const events = await tap.waitFor((e) => e.data.id === created.id, 3);
    await tap.close();
    expect(events.map((e) => [e.type, e.data.version])).toEqual([
      ['post.created', 1],
      ['post.updated', 2],
      ['post.deleted', 3],
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    expect(events.every((e) => e.actor === ann.id)).toBe(true);
    expect(events[1]).toMatchObject({ data: { title: 'Evented', content: 'two', tags: ['e2e'], author_id: ann.id } });
  });

  it("pages an author's posts with the cursor each page gives, passed back as it is", async () => {
    const author = await newUser('pager');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(author, 'POST', '', { title: `page me ${i}`, content: 'x' });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const seen: string[] = [];
    let pages = 0;
    let next: string | null = null;
    do {
      const query = `?author_id=${author.id}&limit=2${next === null ? '' : `&before=${encodeURIComponent(next)}`}`;
      const res = await call(bob, 'GET', query);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Array<{ id: string }>; next: string | null };
      seen.push(...page.items.map((p) => p.id));
      next = page.next;
      pages++;
    } while (next !== null);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);
  });

  it('keeps answering 201 while Kafka is down and publishes every event exactly once when it is back', async () => {
    const from = await postEventsEnd();
    await mesh('stop', 'kafka');
    const ids: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const res = await call(ann, 'POST', '', { title: `during outage ${i}`, content: 'kept' });
        expect(res.status).toBe(201);
        ids.push(((await res.json()) as { id: string }).id);
      }
      const update = await call(ann, 'PUT', `/${ids[0]}`, { content: 'changed during outage' });
      expect(update.status).toBe(200);
    } finally {
      await restore('kafka');
    }
    const tap = await tapPostEvents(from);
    const mine = (e: PostEvent) => ids.includes(e.data.id);
    const events = await tap.waitFor(mine, 6, 60_000);
    await tap.close();
    expect(events).toHaveLength(6);
    expect(new Set(events.map((e) => e.id)).size).toBe(6);
    const first = events.filter((e) => e.data.id === ids[0]).map((e) => e.type);
    expect(first).toEqual(['post.created', 'post.updated']);
    // And the read side caught up: every post written during the outage is in the author's stream.
    await eventually(async () => {
      const res = await fetch(`${stack.gatewayUrl}/api/activity-stream/user/${ann.id}?limit=100`);
      const items = ((await res.json()) as { items: Array<{ id: string; content: string }> }).items;
      return (
        ids.every((id) => items.some((i) => i.id === id)) &&
        items.find((i) => i.id === ids[0])?.content === 'changed during outage'
      );
    }, 30_000);
    // Stopping and starting the Kafka JVM alone takes 20-40 s on a loaded 2-core machine.
  }, 150_000);
});

describe('a crash between the commit and the rest of the request', () => {
  it("loses nothing: the leader writes the post from the dead instance's event and publishes it", async () => {
    // What a posts-service killed right after committing an edit leaves behind:
    // the committed event in its log, past its last checkpoint, a heartbeat
    // gone stale, and no post document written.
    const { MongoClient, ObjectId } = await import('mongodb');
    const { randomUUID } = await import('node:crypto');
    const mongo = new MongoClient(stack.mongodbUrl);
    const db = mongo.db('posts_db');
    const id = new ObjectId().toHexString();
    const committedAt = new Date(Date.now() - 60_000);
    const at = committedAt.toISOString();
    const event: PostEvent = {
      id: randomUUID(),
      schema_version: 1,
      type: 'post.created',
      time: at,
      actor: ann.id,
      data: {
        id,
        author_id: ann.id,
        title: 'Orphaned by a crash',
        content: 'still here',
        tags: [],
        created_at: at,
        updated_at: at,
        version: 1,
      },
    };
    const tap = await tapPostEvents();
    // Written through posts-service's own log, as the killed process did.
    const { eventDoc, eventKey, PostLog } = await import('@feedmesh/posts-service/outbox');
    const { postCollections } = await import('@feedmesh/posts-service/store');
    const dead = `posts-service-crashed-${process.pid}`;
    await postCollections(db).events.insertOne(eventDoc({ id: eventKey(id, 1), key: id, event, committedAt }, dead));
    const log = new PostLog(db);
    const before = new Date(committedAt.getTime() - 1);
    await log.saveCheckpoint({ instance: dead, publishedBefore: before, heartbeat: new Date(Date.now() - 30_000) });

    const published = await tap.waitFor((e) => e.data.id === id, 1);
    await tap.close();
    expect(published.map((e) => e.id)).toEqual([event.id]);
    const res = await call(ann, 'GET', `/${id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, title: 'Orphaned by a crash', version: 1 });
    // Done with: the dead instance's checkpoint is gone.
    await eventually(async () => !(await log.checkpoints()).some((c) => c.instance === dead), 10_000);
    await mongo.close();
  });
});
