import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { stack } from '@feedmesh/testkit';
import { COLLECTIONS, LEGACY_COLLECTIONS } from '../src/collections.js';
import { migrateLegacyCollections } from '../src/migrate.js';
import { logBucket, PostLog } from '../src/outbox.js';

// The move from the layout before one-collection creates, against the real
// MongoDB-protocol server, in a database of its own (dropped afterwards).
const mongo = new MongoClient(stack.mongodbUrl);
const db = mongo.db(`migrate_test_${process.pid}_${Date.now().toString(36)}`);
afterAll(async () => {
  await db.dropDatabase();
  await mongo.close();
});

describe('moving the old layout into posts', () => {
  it('keeps every place, hands the events the old relay had not published to the new publisher, drops the rest', async () => {
    const old = new Date('2026-11-30T12:00:00Z');
    const event = (id: string, pending: boolean) => ({
      _id: id,
      post_id: id.split(':')[0],
      version: 1,
      committed_at: old,
      event: { id: `e-${id}`, type: 'post.created' },
      ...(pending ? { pending: true } : { published_at: old }),
    });
    await db.collection<{ _id: string; post_id: string }>(LEGACY_COLLECTIONS.slots).insertMany([
      { _id: 'g:1', post_id: 'p1' },
      { _id: 'g:2', post_id: 'p2' },
      { _id: 'a:ann:1', post_id: 'p1' },
    ]);
    await db
      .collection<ReturnType<typeof event>>(LEGACY_COLLECTIONS.events)
      .insertMany([event('p1:0000000001', false), event('p2:0000000001', true)]);

    const before = Date.now();
    await migrateLegacyCollections(db, 'inst');
    await migrateLegacyCollections(db, 'inst'); // nothing left to move: changes nothing

    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).not.toContain(LEGACY_COLLECTIONS.slots);
    expect(names).not.toContain(LEGACY_COLLECTIONS.events);
    const posts = db.collection<{ _id: string }>(COLLECTIONS.posts);
    for (const id of ['g:1', 'g:2', 'a:ann:1', 'p2:0000000001'])
      expect(await posts.findOne({ _id: id }), id).not.toBeNull();
    expect(await posts.findOne({ _id: 'p1:0000000001' })).toBeNull(); // published: Kafka has it
    const moved = await posts.findOne({ _id: 'p2:0000000001' });
    expect(moved).not.toHaveProperty('pending');

    // The publisher's first act will be to publish it: it lies past this instance's checkpoint.
    const log = new PostLog(db);
    const [checkpoint] = (await log.checkpoints()).filter((c) => c.instance === 'inst');
    const recovered = [];
    for await (const chunk of log.committed('inst', checkpoint!.publishedBefore, new Date(Date.now() + 1_000)))
      recovered.push(...chunk.map((e) => e.id));
    expect(recovered).toEqual(['p2:0000000001']);
    expect(checkpoint!.publishedBefore.getTime()).toBeGreaterThanOrEqual(before - 1);
  });

  it('finishes a move cut short: the events moved before and after share one time, past the same checkpoint', async () => {
    const other = mongo.db(`${db.databaseName}_cut`);
    try {
      const event = (id: string) => ({
        _id: id,
        post_id: id.split(':')[0],
        version: 1,
        committed_at: new Date('2026-11-30T12:00:00Z'),
        event: { id: `e-${id}`, type: 'post.created' },
        pending: true,
      });
      await other
        .collection<ReturnType<typeof event>>(LEGACY_COLLECTIONS.events)
        .insertMany([event('q1:0000000001'), event('q2:0000000001')]);
      // What the first run left when it died: its checkpoint, and the first event moved, at the time it fixed.
      const log = new PostLog(other);
      const first = new Date(Date.now() - 5_000);
      await log.saveCheckpoint({ instance: 'inst', publishedBefore: first, heartbeat: first });
      const at = new Date(first.getTime() + 1);
      const { pending: _, ...moved } = event('q1:0000000001');
      await other
        .collection<typeof moved & { log: string }>(COLLECTIONS.posts)
        .insertOne({ ...moved, committed_at: at, log: logBucket('inst', at) });

      await migrateLegacyCollections(other, 'inst');
      // What the publisher will read: from the checkpoint as it now stands.
      const [checkpoint] = await log.checkpoints();
      const recovered = [];
      for await (const chunk of log.committed('inst', checkpoint!.publishedBefore, new Date(Date.now() + 1_000)))
        recovered.push(...chunk.map((e) => e.id));
      expect(recovered.sort()).toEqual(['q1:0000000001', 'q2:0000000001']);
    } finally {
      await other.dropDatabase();
    }
  });
});
