import type { OutboxCheckpoint, OutboxEntry, OutboxLog, PostEvent } from '@feedmesh/common';
import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import type { PositionFields } from './positions.js';

/**
 * One change of one post, kept in `posts_db.posts` beside the post itself
 * (see store.ts for why one collection): the change log of posts, and
 * their outbox. Written once, when the change commits; `failed_at` and
 * `failure` are added only if Kafka refuses it for good.
 */
export interface EventDoc {
  /** `eventKey(post id, version)`: two edits of the same version cannot both commit. */
  _id: string;
  post_id: string;
  version: number;
  committed_at: Date;
  /** `logBucket(instance, committed_at)`: recovery reads one instance's commits ten seconds at a time, by equality. */
  log: string;
  failed_at?: Date;
  failure?: string;
  event: PostEvent;
  /** Where the post lists, so a lost projection write can be redone from the event alone. */
  position?: PositionFields;
}

/** A post change as the publisher sees it: keyed by post id, so one post's changes stay in order. */
export interface PostOutboxEntry extends OutboxEntry<PostEvent> {
  position?: PositionFields;
}

interface CheckpointDoc {
  _id: string;
  published_before: Date;
  heartbeat: Date;
}

/** Zero-padded, so the order of ids is commit order within each post. */
export const eventKey = (postId: string, version: number) => `${postId}:${String(version).padStart(10, '0')}`;

/** How much commit time one `log` value covers. */
const BUCKET_MS = 10_000;
const bucketOf = (at: Date) => Math.floor(at.getTime() / BUCKET_MS);
/** The `log` value of a commit: FerretDB pushes only equality down, so a time range is read as a few of these. */
export const logBucket = (instance: string, at: Date) => `${instance}|${bucketOf(at)}`;

/** The document that commits an entry (inserted by the store, together with what the change writes). */
export function eventDoc(entry: PostOutboxEntry, instance: string): EventDoc {
  return {
    _id: entry.id,
    post_id: entry.key,
    version: entry.event.data.version,
    committed_at: entry.committedAt,
    log: logBucket(instance, entry.committedAt),
    event: entry.event,
    ...(entry.position && { position: entry.position }),
  };
}

const toEntry = (doc: EventDoc): PostOutboxEntry => ({
  id: doc._id,
  key: doc.post_id,
  event: doc.event,
  committedAt: doc.committed_at,
  ...(doc.position && { position: doc.position }),
});

/** The MongoDB storage of the posts outbox: event documents in `posts`, checkpoints in their own small collection. */
export class PostLog implements OutboxLog<PostOutboxEntry> {
  private readonly events: Collection<EventDoc>;
  private readonly checkpointDocs: Collection<CheckpointDoc>;

  constructor(db: Db) {
    this.events = db.collection<EventDoc>(COLLECTIONS.posts);
    this.checkpointDocs = db.collection<CheckpointDoc>(COLLECTIONS.checkpoints);
  }

  async *committed(instance: string, from: Date, to: Date): AsyncIterable<PostOutboxEntry[]> {
    for (let bucket = bucketOf(from); bucket <= bucketOf(to); bucket++) {
      const docs = await this.events.find({ log: `${instance}|${bucket}` }).toArray();
      const chunk = docs
        .filter((d) => d.committed_at >= from && d.committed_at < to && d.failed_at === undefined)
        .sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
      if (chunk.length > 0) yield chunk.map(toEntry);
    }
  }

  async markFailed(id: string, reason: string, at: Date): Promise<void> {
    await this.events.updateOne({ _id: id }, { $set: { failed_at: at, failure: reason } });
  }

  async checkpoints(): Promise<OutboxCheckpoint[]> {
    const docs = await this.checkpointDocs.find({}).toArray();
    return docs.map((d) => ({ instance: d._id, publishedBefore: d.published_before, heartbeat: d.heartbeat }));
  }

  async saveCheckpoint(c: OutboxCheckpoint): Promise<void> {
    await this.checkpointDocs.replaceOne(
      { _id: c.instance },
      { published_before: c.publishedBefore, heartbeat: c.heartbeat },
      { upsert: true },
    );
  }

  async removeCheckpoint(c: OutboxCheckpoint): Promise<void> {
    await this.checkpointDocs.deleteOne({ _id: c.instance, heartbeat: c.heartbeat });
  }
}
