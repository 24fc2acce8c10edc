import { randomUUID } from 'node:crypto';
import { POST_EVENT_SCHEMA_VERSION, type PostEvent, type PostSnapshot } from '@feedmesh/common';
import { MongoServerError, ObjectId, type Collection, type Db } from 'mongodb';
import type { CreatePost, ListPosts, UpdatePost } from './schemas.js';

/** A post as stored in `posts_db.posts`: the state after its latest change. */
interface PostDoc {
  _id: string;
  author_id: string;
  title: string;
  content: string;
  tags: string[];
  created_at: Date;
  updated_at: Date;
  version: number;
}

/**
 * One change of one post, in `posts_db.post_events`. Inserting it is the
 * commit of the change and its outbox entry at once: a single write, so a
 * change is either wholly there or not at all. Its id is post id + version,
 * so two concurrent edits of the same version cannot both commit.
 */
export interface EventDoc {
  _id: string;
  post_id: string;
  version: number;
  /** Present until the relay has published the event. */
  pending?: true;
  committed_at: Date;
  published_at?: Date;
  event: PostEvent;
}

export type Post = PostSnapshot;

export class NotFoundError extends Error {}
export class ForbiddenError extends Error {}
export class ConflictError extends Error {}

export const eventKey = (postId: string, version: number) => `${postId}:${String(version).padStart(10, '0')}`;

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

const toDoc = (p: Post): PostDoc => ({
  _id: p.id,
  author_id: p.author_id,
  title: p.title,
  content: p.content,
  tags: p.tags,
  created_at: new Date(p.created_at),
  updated_at: new Date(p.updated_at),
  version: p.version,
});

/**
 * Posts and their change log. Every change first inserts its event (the
 * commit), then brings the `posts` document up to date. If the process dies
 * in between, the relay finishes the job from the event.
 */
export class PostStore {
  readonly posts: Collection<PostDoc>;
  readonly events: Collection<EventDoc>;

  constructor(db: Db) {
    this.posts = db.collection<PostDoc>('posts');
    this.events = db.collection<EventDoc>('post_events');
  }

  async ensureIndexes(): Promise<void> {
    await this.posts.createIndex({ created_at: -1, _id: -1 });
    await this.posts.createIndex({ author_id: 1, created_at: -1, _id: -1 });
    await this.events.createIndex({ pending: 1 }, { sparse: true });
  }

  async create(actor: string, input: CreatePost): Promise<Post> {
    const now = new Date().toISOString();
    const post: Post = { id: new ObjectId().toHexString(), author_id: actor, ...input, created_at: now, updated_at: now, version: 1 };
    await this.commit(actor, 'post.created', post);
    await this.posts.insertOne(toDoc(post));
    return post;
  }

  async get(id: string): Promise<Post> {
    const doc = await this.posts.findOne({ _id: id });
    if (!doc) throw new NotFoundError();
    return toPost(doc);
  }

  async update(actor: string, id: string, changes: UpdatePost): Promise<Post> {
    const current = await this.owned(actor, id);
    const next: Post = { ...current, ...changes, updated_at: new Date().toISOString(), version: current.version + 1 };
    await this.commit(actor, 'post.updated', next);
    await this.posts.replaceOne({ _id: id }, toDoc(next));
    return next;
  }

  async delete(actor: string, id: string): Promise<void> {
    const current = await this.owned(actor, id);
    await this.commit(actor, 'post.deleted', { id, author_id: current.author_id, version: current.version + 1 });
    await this.posts.deleteOne({ _id: id });
  }

  async list(q: ListPosts): Promise<Post[]> {
    const filter = q.author_id ? { author_id: q.author_id } : {};
    const docs = await this.posts.find(filter).sort({ created_at: -1, _id: -1 }).skip(q.skip).limit(q.limit).toArray();
    return docs.map(toPost);
  }

  private async owned(actor: string, id: string): Promise<Post> {
    const post = await this.get(id);
    if (post.author_id !== actor) throw new ForbiddenError();
    return post;
  }

  private async commit(actor: string, type: PostEvent['type'], data: Post | { id: string; author_id: string; version: number }) {
    const event = { id: randomUUID(), schema_version: POST_EVENT_SCHEMA_VERSION, type, time: new Date().toISOString(), actor, data } as PostEvent;
    try {
      await this.events.insertOne({ _id: eventKey(data.id, data.version), post_id: data.id, version: data.version, pending: true, committed_at: new Date(), event });
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000) throw new ConflictError();
      throw err;
    }
  }
}

/** Brings a `posts` document in line with an event (idempotent: an older event changes nothing). */
export async function project(store: PostStore, event: PostEvent): Promise<void> {
  const current = await store.posts.findOne({ _id: event.data.id }, { projection: { version: 1 } });
  if (current && current.version >= event.data.version) return;
  if (event.type === 'post.deleted') await store.posts.deleteOne({ _id: event.data.id });
  else await store.posts.replaceOne({ _id: event.data.id }, toDoc(event.data), { upsert: true });
}
