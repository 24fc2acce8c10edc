import { POST_EVENT_SCHEMA_VERSION, type PostEvent } from '@feedmesh/common';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, stack } from '@feedmesh/testkit';
import { COLLECTIONS } from '../src/collections.js';
import { eventDoc, eventKey, PostLog, type EventDoc, type PostOutboxEntry } from '../src/outbox.js';

// The MongoDB storage of the posts outbox against the stack's real
// MongoDB-protocol server, in a database of its own (dropped afterwards).
const mongo = new MongoClient(stack.mongodbUrl);
const db = mongo.db(`outbox_test_${process.pid}_${Date.now().toString(36)}`);
const log = new PostLog(db);
const events = db.collection<EventDoc>(COLLECTIONS.posts);
afterAll(async () => {
  await db.dropDatabase();
  await mongo.close();
});

let posts = 0;
function change(version: number, committedAt: Date, postId = `post-${++posts}`): PostOutboxEntry {
  const event = {
    id: crypto.randomUUID(),
    schema_version: POST_EVENT_SCHEMA_VERSION,
    type: 'post.deleted',
    time: committedAt.toISOString(),
    actor: 'ann',
    data: { id: postId, author_id: 'ann', version },
  } satisfies PostEvent;
  return { id: eventKey(postId, version), key: postId, event, committedAt };
}

const committed = (instance: string, from: Date, to: Date) => collect(log.committed(instance, from, to));

describe('the posts outbox log on MongoDB', () => {
  it("gives back one instance's commits of a time range, in commit order within each post, a chunk per ten seconds", async () => {
    const t0 = new Date(Math.floor(Date.now() / 10_000) * 10_000 - 60_000); // the start of a ten-second bucket
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const post = 'ordered';
    // Versions 1..12 of one post committed out of order within a bucket: 10 must not sort before 2.
    for (const [i, version] of [3, 1, 12, 2, 10, 11, 4, 5, 6, 7, 8, 9].entries())
      await events.insertOne(eventDoc(change(version, at(100 + i), post), 'one'));
    await events.insertOne(eventDoc(change(1, at(12_000)), 'one')); // the next bucket
    await events.insertOne(eventDoc(change(1, at(50)), 'one')); // before the range
    await events.insertOne(eventDoc(change(1, at(30_000)), 'one')); // after it
    await events.insertOne(eventDoc(change(1, at(200)), 'another')); // another instance's

    const chunks = await committed('one', at(100), at(20_000));
    expect(chunks.map((c) => c.length)).toEqual([12, 1]);
    expect(chunks[0]!.map((e) => e.event.data.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(chunks[0]![0]).toMatchObject({ id: eventKey(post, 1), key: post, committedAt: at(101) });
    expect(await committed('one', at(20_001), at(29_999))).toEqual([]);
  });

  it('passes over an entry recorded as failed, and keeps its reason', async () => {
    const at = new Date();
    const failed = change(1, at);
    await events.insertOne(eventDoc(failed, 'failing'));
    await log.markFailed(failed.id, 'MESSAGE_TOO_LARGE: too large', at);
    expect(await committed('failing', new Date(at.getTime() - 1), new Date(at.getTime() + 1))).toEqual([]);
    expect(await events.findOne({ _id: failed.id })).toMatchObject({ failure: 'MESSAGE_TOO_LARGE: too large' });
  });

  it('keeps one checkpoint per instance, replaced by each write, until removed', async () => {
    const [a, b] = [new Date('2026-12-01T10:00:00Z'), new Date('2026-12-01T10:00:05Z')];
    await log.saveCheckpoint({ instance: 'i1', publishedBefore: a, heartbeat: a });
    await log.saveCheckpoint({ instance: 'i1', publishedBefore: b, heartbeat: b });
    await log.saveCheckpoint({ instance: 'i2', publishedBefore: a, heartbeat: b });
    const byInstance = (list: Awaited<ReturnType<PostLog['checkpoints']>>) =>
      Object.fromEntries(list.map((c) => [c.instance, c]));
    expect(byInstance(await log.checkpoints())).toEqual({
      i1: { instance: 'i1', publishedBefore: b, heartbeat: b },
      i2: { instance: 'i2', publishedBefore: a, heartbeat: b },
    });
    await log.removeCheckpoint({ instance: 'i1', publishedBefore: a, heartbeat: a }); // not the one stored: stays
    expect((await log.checkpoints()).map((c) => c.instance).sort()).toEqual(['i1', 'i2']);
    await log.removeCheckpoint({ instance: 'i1', publishedBefore: b, heartbeat: b });
    expect((await log.checkpoints()).map((c) => c.instance)).toEqual(['i2']);
  });
});
