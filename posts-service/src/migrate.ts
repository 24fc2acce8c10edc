import { MongoBulkWriteError, type Db } from 'mongodb';
import { LEGACY_COLLECTIONS } from './collections.js';
import { logBucket, PostLog, type EventDoc } from './outbox.js';
import type { PlaceDoc } from './positions.js';
import { DUPLICATE_KEY, postCollections } from './store.js';

const CHUNK = 1_000;

/**
 * Moves what earlier versions kept in `post_slots` and `post_events` into
 * `posts` (collections.ts), before the service serves: places as they are
 * (listings keep their order), events that were still waiting for the old
 * relay as commits of this instance just past its checkpoint, so the
 * publisher's first act is to publish them (outbox.ts). Published events are
 * history Kafka keeps; they are dropped with the old collection. A move cut
 * short is finished by the next start. Run it with one instance of the new
 * version and none of the old (an old one still writing `post_events` would
 * lose what it writes after the copy).
 */
export async function migrateLegacyCollections(db: Db, instance: string): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  const { all } = postCollections(db);
  const copy = async (docs: AsyncIterable<PlaceDoc | EventDoc>) => {
    let chunk: Array<PlaceDoc | EventDoc> = [];
    const flush = async () => {
      // Unordered: a document a cut-short move already copied is a duplicate, and the rest still go in.
      if (chunk.length > 0) await all.insertMany(chunk, { ordered: false }).catch(ignoreDuplicates);
      chunk = [];
    };
    for await (const doc of docs) {
      chunk.push(doc);
      if (chunk.length >= CHUNK) await flush();
    }
    await flush();
  };
  if (existing.has(LEGACY_COLLECTIONS.slots)) {
    await copy(db.collection<PlaceDoc>(LEGACY_COLLECTIONS.slots).find({}));
    await db.dropCollection(LEGACY_COLLECTIONS.slots);
  }
  if (existing.has(LEGACY_COLLECTIONS.events)) {
    // One commit time for every moved event, fixed by the checkpoint written before the first is moved: a move cut
    // short and finished by the next start stamps the rest with the same time, past the same checkpoint.
    const log = new PostLog(db);
    let checkpoint = (await log.checkpoints()).find((c) => c.instance === instance);
    if (!checkpoint) {
      const now = Date.now();
      checkpoint = { instance, publishedBefore: new Date(now - 1), heartbeat: new Date(now) };
      await log.saveCheckpoint(checkpoint);
    }
    const at = new Date(checkpoint.publishedBefore.getTime() + 1);
    const waiting = db.collection<EventDoc & { pending?: true }>(LEGACY_COLLECTIONS.events).find({ pending: true });
    const moved = async function* () {
      for await (const { pending: _, ...doc } of waiting)
        yield { ...doc, committed_at: at, log: logBucket(instance, at) };
    };
    await copy(moved());
    await db.dropCollection(LEGACY_COLLECTIONS.events);
  }
}

function ignoreDuplicates(err: unknown): void {
  const errors = err instanceof MongoBulkWriteError ? [err.writeErrors].flat() : [];
  if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) throw err;
}
