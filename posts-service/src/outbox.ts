import type { OutboxEntry, OutboxStorage, PostEvent } from '@feedmesh/common';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import type { PositionFields } from './positions.js';

/**
 * One change of one post, in `posts_db.post_events`: the change log of
 * posts, and their outbox. Its state is the fields present: `pending`, then
 * `published_at`, or `failed_at` with `failure`.
 */
export interface EventDoc {
  /** `eventKey(post id, version)`: two edits of the same version cannot both commit. */
  _id: string;
  post_id: string;
  version: number;
  /** Present until the outcome is recorded; the relay reads by it. */
  pending?: true;
  committed_at: Date;
  published_at?: Date;
  failed_at?: Date;
  failure?: string;
  event: PostEvent;
  /** Where the post lists, so a lost projection write can be redone from the event alone. */
  position?: PositionFields;
}

/** A post change as the relay sees it: keyed by post id, so one post's changes stay in order. */
export interface PostOutboxEntry extends OutboxEntry<PostEvent> {
  position?: PositionFields;
}

/** Zero-padded, so the order of ids is commit order within each post. */
export const eventKey = (postId: string, version: number) => `${postId}:${String(version).padStart(10, '0')}`;

const DUPLICATE_KEY = 11000;
/** Outcomes written at once: each event document has one writer (the relay), so parallel writes lose nothing. */
const RECORD_CONCURRENCY = 16;

/**
 * The MongoDB storage of the posts outbox. Inserting an event is the commit
 * of its change: one insert, the one write the server makes atomic and exact
 * under concurrency (FerretDB v1 has no transactions).
 */
export class PostOutbox implements OutboxStorage<PostOutboxEntry> {
  private readonly events: Collection<EventDoc>;

  constructor(db: Db) {
    this.events = db.collection<EventDoc>(COLLECTIONS.events);
  }

  /** Commits a change; false if this version of the post was committed already (a concurrent edit won). */
  async commit(entry: PostOutboxEntry): Promise<boolean> {
    try {
      await this.events.insertOne({
        _id: entry.id,
        post_id: entry.key,
        version: entry.event.data.version,
        pending: true,
        committed_at: entry.committedAt,
        event: entry.event,
        ...(entry.position && { position: entry.position }),
      });
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
      throw err;
    }
  }

  async pending(limit: number): Promise<PostOutboxEntry[]> {
    const docs = await this.events.find({ pending: true }).sort({ _id: 1 }).limit(limit).toArray();
    return docs.map((doc) => ({
      id: doc._id,
      key: doc.post_id,
      event: doc.event,
      committedAt: doc.committed_at,
      ...(doc.position && { position: doc.position }),
    }));
  }

  async markPublished(ids: readonly string[], at: Date): Promise<void> {
    // One update per document: FerretDB does not push `$in` down, so an updateMany would scan the collection.
    for (let i = 0; i < ids.length; i += RECORD_CONCURRENCY) {
      await Promise.all(
        ids
          .slice(i, i + RECORD_CONCURRENCY)
          .map((_id) =>
            this.events.updateOne({ _id, pending: true }, { $unset: { pending: '' }, $set: { published_at: at } }),
          ),
      );
    }
  }

  async markFailed(id: string, reason: string, at: Date): Promise<void> {
    await this.events.updateOne(
      { _id: id, pending: true },
      { $unset: { pending: '' }, $set: { failed_at: at, failure: reason } },
    );
  }
}
