import { randomUUID } from 'node:crypto';
import { POST_EVENT_SCHEMA_VERSION, type PostEvent, type PostSnapshot } from '@feedmesh/common';
import { ObjectId, type Collection, type Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { toCursor } from './cursor.js';
import { eventKey, type PostOutbox, type PostOutboxEntry } from './outbox.js';
import {
  GLOBAL_SEQUENCE,
  authorSequence,
  listingOf,
  pageOf,
  positionFields,
  Positions,
  type PositionFields,
  type SlotDoc,
} from './positions.js';
import type { CreatePost, ListPosts, UpdatePost } from './schemas.js';

/** A post as stored in `posts_db.posts`: the state after its latest change, and where it lists. */
export interface PostDoc extends PositionFields {
  _id: string;
  author_id: string;
  title: string;
  content: string;
  tags: string[];
  created_at: Date;
  updated_at: Date;
  version: number;
}

export type Post = PostSnapshot;

/**
 * What a change is, of each event type: its type with the data that type
 * carries, so a commit cannot pair a type with another type's data.
 */
type PostChange = {
  [T in PostEvent['type']]: Pick<Extract<PostEvent, { type: T }>, 'type' | 'data'>;
}[PostEvent['type']];

export class NotFoundError extends Error {}
export class ForbiddenError extends Error {}
export class ConflictError extends Error {}

export interface PostPage {
  items: Post[];
  /** Where the next page begins (a cursor, for `before`); null at the end. */
  next: string | null;
}

const toPost = (d: PostDoc): Post => ({
  id: d._id,
  author_id: d.author_id,
  title: d.title,
  content: d.content,
  tags: d.tags,
  created_at: d.created_at.toISOString(),
  updated_at: d.updated_at.toISOString(),
  version: d.version,
});

export const toDoc = (p: Post, position: PositionFields): PostDoc => ({
  ...position,
  _id: p.id,
  author_id: p.author_id,
  title: p.title,
  content: p.content,
  tags: p.tags,
  created_at: new Date(p.created_at),
  updated_at: new Date(p.updated_at),
  version: p.version,
});

/** posts_db's collections of posts and of their listing places (bulk imports use them too). */
export function postCollections(db: Db) {
  return { posts: db.collection<PostDoc>(COLLECTIONS.posts), slots: db.collection<SlotDoc>(COLLECTIONS.slots) };
}

/**
 * Posts and their change log. Every change first commits its event to the
 * outbox (one insert), then brings the `posts` document up to date. If the
 * process dies in between, the relay has `repair` finish the job from the
 * event.
 */
export class PostStore {
  private readonly posts: Collection<PostDoc>;
  private readonly positions: Positions;

  constructor(
    db: Db,
    private readonly outbox: PostOutbox,
  ) {
    const { posts, slots } = postCollections(db);
    this.posts = posts;
    this.positions = new Positions(slots);
  }

  async create(actor: string, input: CreatePost): Promise<Post> {
    const id = new ObjectId().toHexString();
    // The place first, then the time: creation order and `created_at` agree within each instance.
    const position = await this.place({ id, author_id: actor });
    const now = new Date().toISOString();
    const post: Post = { id, author_id: actor, ...input, created_at: now, updated_at: now, version: 1 };
    await this.commit(actor, { type: 'post.created', data: post }, position);
    await this.posts.insertOne(toDoc(post, position));
    return post;
  }

  async get(id: string): Promise<Post> {
    return toPost(await this.getDoc(id));
  }

  async update(actor: string, id: string, changes: UpdatePost): Promise<Post> {
    const current = await this.owned(actor, id);
    const position = positionOf(current);
    const next: Post = {
      ...toPost(current),
      ...changes,
      updated_at: new Date().toISOString(),
      version: current.version + 1,
    };
    await this.commit(actor, { type: 'post.updated', data: next }, position);
    await this.posts.replaceOne({ _id: id }, toDoc(next, position));
    return next;
  }

  async delete(actor: string, id: string): Promise<void> {
    const current = await this.owned(actor, id);
    await this.commit(actor, {
      type: 'post.deleted',
      data: { id, author_id: current.author_id, version: current.version + 1 },
    });
    await this.posts.deleteOne({ _id: id });
  }

  /**
   * Newest first: walks the listing's pages down from its newest position,
   * one equality query per page, until it has `skip + limit` posts.
   */
  async list(q: ListPosts): Promise<PostPage> {
    const listing = listingOf(q.author_id);
    // Nothing lives above the newest place: a cursor beyond it starts there, not at empty pages far above.
    const below = Math.min(q.before ?? Infinity, (await this.positions.top(listing.sequence)) + 1);
    let toSkip = q.skip;
    const items: PostDoc[] = [];
    for (let page = pageOf(below - 1); page >= 0 && items.length < q.limit; page--) {
      const docs = await this.posts
        .find(listing.filter(page))
        .sort({ [listing.order]: -1 })
        .toArray();
      for (const doc of docs) {
        if (doc[listing.order] >= below) continue;
        if (toSkip > 0) toSkip--;
        else if (items.length < q.limit) items.push(doc);
      }
    }
    const last = items.at(-1);
    const more = last !== undefined && items.length === q.limit && last[listing.order] > 1;
    return { items: items.map(toPost), next: more ? toCursor(last[listing.order]) : null };
  }

  /**
   * Brings a `posts` document in line with a committed change, for the relay
   * when the write after the commit never happened (a crash). Idempotent: an
   * older change alters nothing.
   */
  async repair({ event, position }: PostOutboxEntry): Promise<void> {
    const current = await this.posts.findOne({ _id: event.data.id }, { projection: { version: 1 } });
    if (current && current.version >= event.data.version) return;
    // Every type by name, none by elimination: a new event type does not
    // compile until this says how it leaves the post, rather than being taken
    // for a full snapshot (or a deletion) without anyone deciding it.
    switch (event.type) {
      case 'post.created':
      case 'post.updated':
        await this.posts.replaceOne(
          { _id: event.data.id },
          toDoc(event.data, position ?? (await this.place(event.data))),
          { upsert: true },
        );
        return;
      case 'post.deleted':
        await this.posts.deleteOne({ _id: event.data.id });
        return;
      default: {
        const unknown: never = event;
        throw new Error(`repair does not know post event type ${(unknown as PostEvent).type}`);
      }
    }
  }

  private async place(post: Pick<Post, 'id' | 'author_id'>): Promise<PositionFields> {
    const [seq, authorSeq] = await Promise.all([
      this.positions.claim(GLOBAL_SEQUENCE, post.id),
      this.positions.claim(authorSequence(post.author_id), post.id),
    ]);
    return positionFields(post.author_id, seq, authorSeq);
  }

  private async getDoc(id: string): Promise<PostDoc> {
    const doc = await this.posts.findOne({ _id: id });
    if (!doc) throw new NotFoundError();
    return doc;
  }

  private async owned(actor: string, id: string): Promise<PostDoc> {
    const doc = await this.getDoc(id);
    if (doc.author_id !== actor) throw new ForbiddenError();
    return doc;
  }

  private async commit(actor: string, change: PostChange, position?: PositionFields) {
    const { data } = change;
    const event: PostEvent = {
      id: randomUUID(),
      schema_version: POST_EVENT_SCHEMA_VERSION,
      time: new Date().toISOString(),
      actor,
      ...change,
    };
    const entry = { id: eventKey(data.id, data.version), key: data.id, event, committedAt: new Date(), position };
    if (!(await this.outbox.commit(entry))) throw new ConflictError();
  }
}

const positionOf = (d: PostDoc): PositionFields => ({
  seq: d.seq,
  page: d.page,
  author_seq: d.author_seq,
  author_page: d.author_page,
});
