import { POST_EVENT_SCHEMA_VERSION, type PostEvent } from '@feedmesh/common';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { PostOutboxEntry } from '../src/outbox.js';
import { positionFields } from '../src/positions.js';
import { PostStore, type CommitTracker } from '../src/store.js';

// repair's choice of write alone, against a `posts` collection that only
// notes what it is asked; its writes proper are covered against the real
// server (store.int.test.ts).
function storeWithFakePosts() {
  const writes: string[] = [];
  const posts = {
    findOne: async () => null,
    replaceOne: async (filter: { _id: string }) => void writes.push(`replace ${filter._id}`),
    deleteOne: async (filter: { _id: string }) => void writes.push(`delete ${filter._id}`),
  };
  const db = { collection: () => posts } as unknown as Db;
  return { store: new PostStore(db, {} as CommitTracker, 'test'), writes };
}

const position = positionFields('ann', 1, 1);
function entryOf(event: { type: string; data: object }): PostOutboxEntry {
  const full = { id: crypto.randomUUID(), schema_version: POST_EVENT_SCHEMA_VERSION, time: '', actor: 'ann', ...event };
  return { id: 'p1:1', key: 'p1', event: full as PostEvent, committedAt: new Date(), position };
}

describe('repairing a post from its event', () => {
  it('deletes the post of a deletion', async () => {
    const { store, writes } = storeWithFakePosts();
    await store.repair(entryOf({ type: 'post.deleted', data: { id: 'p1', author_id: 'ann', version: 2 } }));
    expect(writes).toEqual(['delete p1']);
  });

  it('refuses an event type it does not know instead of taking it for a full snapshot', async () => {
    const { store, writes } = storeWithFakePosts();
    // As a newer producer might commit: not a snapshot, whatever its data looks like.
    const entry = entryOf({ type: 'post.pinned', data: { id: 'p1', author_id: 'ann', version: 2 } });
    await expect(store.repair(entry)).rejects.toThrow(/post\.pinned/);
    expect(writes).toEqual([]);
  });
});
