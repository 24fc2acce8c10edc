import { POST_EVENT_SCHEMA_VERSION, type PostEvent } from '@feedmesh/common';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { stack } from '@feedmesh/testkit';
import { eventKey, PostOutbox, type EventDoc, type PostOutboxEntry } from '../src/outbox.js';

// The MongoDB storage of the posts outbox against the stack's real
// MongoDB-protocol server, in a database of its own (dropped afterwards).
const mongo = new MongoClient(stack.mongodbUrl);
const db = mongo.db(`outbox_test_${process.pid}_${Date.now().toString(36)}`);
const outbox = new PostOutbox(db);
const docs = db.collection<EventDoc>('post_events');
afterAll(async () => {
  await db.dropDatabase();
  await mongo.close();
});

let posts = 0;
function change(version: number, postId = `post-${++posts}`): PostOutboxEntry {
  const event = {
    id: crypto.randomUUID(),
    schema_version: POST_EVENT_SCHEMA_VERSION,
    type: 'post.deleted',
    time: new Date().toISOString(),
    actor: 'ann',
    data: { id: postId, author_id: 'ann', version },
  } satisfies PostEvent;
  return { id: eventKey(postId, version), key: postId, event, committedAt: new Date() };
}

describe('the posts outbox on MongoDB', () => {
  it('gives back pending changes in commit order within each post, keyed by post, as far as asked', async () => {
    const post = 'ordered';
    // Versions 1..12 committed out of order: 10 must not sort before 2.
    for (const version of [3, 1, 12, 2, 10, 11, 4, 5, 6, 7, 8, 9]) await outbox.commit(change(version, post));
    const pending = (await outbox.pending(100)).filter((e) => e.key === post);
    expect(pending.map((e) => e.event.data.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(pending[0]).toMatchObject({ id: eventKey(post, 1), key: post, committedAt: expect.any(Date) });
    expect(await outbox.pending(5)).toHaveLength(5);
  });

  it('refuses a second commit of the same version of a post, keeping the first', async () => {
    const first = change(1);
    expect(await outbox.commit(first)).toBe(true);
    expect(await outbox.commit({ ...change(1, first.key), event: { ...first.event, id: crypto.randomUUID() } })).toBe(
      false,
    );
    expect((await docs.findOne({ _id: first.id }))?.event.id).toBe(first.event.id);
  });

  it('records published and failed as final states: neither is pending, neither changes again', async () => {
    const [published, failed] = [change(1), change(1)];
    await outbox.commit(published);
    await outbox.commit(failed);
    const at = new Date('2026-11-21T10:00:00Z');
    await outbox.markPublished([published.id], at);
    await outbox.markFailed(failed.id, 'MESSAGE_TOO_LARGE: too large', at);
    const ids = new Set((await outbox.pending(10_000)).map((e) => e.id));
    expect(ids.has(published.id) || ids.has(failed.id)).toBe(false);

    // Recorded again, by a relay that took over: nothing moves.
    const later = new Date('2026-11-21T11:00:00Z');
    await outbox.markPublished([published.id, failed.id], later);
    await outbox.markFailed(published.id, 'late', later);
    expect(await docs.findOne({ _id: published.id })).toMatchObject({ published_at: at });
    expect(await docs.findOne({ _id: published.id })).not.toHaveProperty('failure');
    expect(await docs.findOne({ _id: failed.id })).toMatchObject({
      failed_at: at,
      failure: 'MESSAGE_TOO_LARGE: too large',
    });
    expect(await docs.findOne({ _id: failed.id })).not.toHaveProperty('published_at');
  });
});
