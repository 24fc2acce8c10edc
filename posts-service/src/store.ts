import { randomUUID } from 'node:crypto';
import { POST_EVENT_SCHEMA_VERSION, type PostEvent, type PostSnapshot } from '@feedmesh/common';
import { MongoBulkWriteError, MongoServerError, ObjectId, type Collection, type Db } from 'mongodb';
import type { OutboxPublisher, PendingCommit } from '@feedmesh/common';
import { COLLECTIONS } from './collections.js';
import { toCursor } from '@feedmesh/common';
import { eventDoc, eventKey, type EventDoc, type PostOutboxEntry } from './outbox.js';
import {
  GLOBAL_SEQUENCE,
  authorSequence,
  listingOf,
  pageOf,
  placeDoc,
  Places,
  positionFields,
  type PlaceDoc,
  type PositionFields,
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

/** The three kinds of document in `posts_db.posts` (collections.ts says why one collection). */
type AnyDoc = PostDoc | EventDoc | PlaceDoc;

/** posts_db's posts, with their events and places beside them (bulk imports use these too). */
export function postCollections(db: Db) {
  const name = COLLECTIONS.posts;
  return {
    posts: db.collection<PostDoc>(name),
    events: db.collection<EventDoc>(name),
    places: db.collection<PlaceDoc>(name),
    all: db.collection<AnyDoc>(name),
  };
}

/** The publisher as the store uses it: told of each commit, so it publishes it. */
export type CommitTracker = Pick<OutboxPublisher<PostOutboxEntry>, 'begin' | 'committed' | 'failed' | 'unknown'>;

/** The server's code for an insert refused because the `_id` (or another unique key) is taken. */
export const DUPLICATE_KEY = 11000;
/** Most creates sent in one insert (four documents each). */
const MAX_BATCH = 100;

interface WaitingCreate {
  actor: string;
  input: CreatePost;
  resolve: (post: Post) => void;
  reject: (err: unknown) => void;
}

/**
 * Posts and their change log. Every change commits its event; a creation
 * commits it in the same insert as the post and its places, so it is one
 * write. An edit or a deletion commits its event (the insert that decides
 * which concurrent edit wins), then brings the post document up to date; if
 * that second write fails, the publisher has `repair` finish it from the
 * event before the event goes out, and recovery does the same for a
 * process that died in between.
 *
 * Creates are group-committed: those that arrive while an insert is out, or
 * within `lingerMs` of the last one's start, go together in the next one. A
 * FerretDB insert costs about the same CPU for one document as for ten (its
 * and PostgreSQL's work per command dwarfs that per document), so under load
 * a short wait buys most of a create's database cost; when creates are
 * sparser than the linger, none waits.
 */
export class PostStore {
  private readonly posts: Collection<PostDoc>;
  private readonly events: Collection<EventDoc>;
  private readonly all: Collection<AnyDoc>;
  private readonly places: Places;
  private readonly waiting: WaitingCreate[] = [];
  private writing: Promise<void> | undefined;
  private lastInsertAt = -Infinity;

  constructor(
    db: Db,
    private readonly outbox: CommitTracker,
    /** Names this process in the log of events, for recovery (outbox.ts). */
    private readonly instance: string,
    /** Least time between the starts of two inserts of creates. */
    private readonly lingerMs = 0,
  ) {
    const { posts, events, places, all } = postCollections(db);
    this.posts = posts;
    this.events = events;
    this.all = all;
    this.places = new Places(places);
  }

  create(actor: string, input: CreatePost): Promise<Post> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ actor, input, resolve, reject });
      this.writing ??= this.writeWaiting().finally(() => {
        this.writing = undefined;
      });
    });
  }

  private async writeWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const wait = this.lastInsertAt + this.lingerMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastInsertAt = Date.now();
      const batch = this.waiting.splice(0, MAX_BATCH);
      try {
        await this.insertCreates(batch);
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
  }

  /**
   * One ordered insert of every waiting create: its two places, its event,
   * the post. What landed is a prefix; a create whose place another
   * instance took first is planned again past it.
   */
  private async insertCreates(batch: WaitingCreate[]): Promise<void> {
    while (batch.length > 0) {
      const planned = await this.plan(batch);
      let landed = Infinity;
      let refused: MongoBulkWriteError | undefined;
      try {
        await this.all.insertMany(
          planned.flatMap((p) => p.docs),
          { ordered: true },
        );
      } catch (err) {
        if (!(err instanceof MongoBulkWriteError)) {
          // What landed is unknown (FerretDB may have inserted a prefix one by one): the log will tell.
          for (const p of planned) this.outbox.unknown(p.commit);
          throw err;
        }
        // Ordered: what landed is the prefix before the first refused document, and nothing after it was tried.
        refused = err;
        landed = err.insertedCount;
      }
      let offset = 0;
      const again: WaitingCreate[] = [];
      for (const p of planned) {
        const placed = offset + 2;
        offset += p.docs.length;
        if (landed >= placed) {
          this.places.claimed(GLOBAL_SEQUENCE, p.position.seq + 1);
          this.places.claimed(authorSequence(p.post.author_id), p.position.author_seq + 1);
        }
        if (landed >= offset) {
          this.outbox.committed(p.commit, p.entry);
          p.waiting.resolve(p.post);
        } else {
          this.outbox.failed(p.commit);
          // A place another instance took first (the event and post ids are new): plan again past it.
          if (refused && isDuplicate(refused)) again.push(p.waiting);
          else p.waiting.reject(refused);
        }
      }
      if (again.length > 0) {
        await this.places.lookAgain(GLOBAL_SEQUENCE);
        for (const author of new Set(again.map((w) => w.actor))) await this.places.lookAgain(authorSequence(author));
      }
      batch = again;
    }
  }

  /** Places, times and documents for each create, in order: creation order and `created_at` agree within each instance. */
  private async plan(batch: WaitingCreate[]) {
    // Every place first (the lookups may fail), then the commits begin with nothing left to fail in
    // between: a commit begun and never settled would hold the outbox checkpoint back for good.
    const next = new Map<string, number>();
    const take = async (sequence: string) => {
      const position = next.get(sequence) ?? (await this.places.nextFree(sequence));
      next.set(sequence, position + 1);
      return position;
    };
    const positions: PositionFields[] = [];
    for (const { actor } of batch)
      positions.push(positionFields(actor, await take(GLOBAL_SEQUENCE), await take(authorSequence(actor))));
    return batch.map((waiting, i) => {
      const { actor, input } = waiting;
      const position = positions[i]!;
      const id = new ObjectId().toHexString();
      const now = new Date().toISOString();
      const post: Post = { id, author_id: actor, ...input, created_at: now, updated_at: now, version: 1 };
      const commit = this.outbox.begin();
      const entry = this.entryOf(commit, actor, { type: 'post.created', data: post }, position);
      const docs: AnyDoc[] = [
        placeDoc(GLOBAL_SEQUENCE, position.seq, id),
        placeDoc(authorSequence(actor), position.author_seq, id),
        eventDoc(entry, this.instance),
        toDoc(post, position),
      ];
      return { waiting, post, position, commit, entry, docs };
    });
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
    await this.commitThen(actor, { type: 'post.updated', data: next }, position, () =>
      this.posts.replaceOne({ _id: id }, toDoc(next, position)),
    );
    return next;
  }

  async delete(actor: string, id: string): Promise<void> {
    const current = await this.owned(actor, id);
    const deleted = { id, author_id: current.author_id, version: current.version + 1 };
    await this.commitThen(actor, { type: 'post.deleted', data: deleted }, undefined, () =>
      this.posts.deleteOne({ _id: id }),
    );
  }

  /**
   * Newest first: walks the listing's pages down from its newest position,
   * one equality query per page, until it has `skip + limit` posts.
   */
  async list(q: ListPosts): Promise<PostPage> {
    const listing = listingOf(q.author_id);
    // Nothing lives above the newest place: a cursor beyond it starts there, not at empty pages far above.
    const below = Math.min(q.before ?? Infinity, (await this.places.top(listing.sequence)) + 1);
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
    const { id, version } = event.data;
    const current = await this.posts.findOne({ _id: id }, { projection: { version: 1 } });
    if (current && current.version >= version) return;
    // No post and a later change committed: that change (a deletion, or an edit repaired in turn) decides; writing
    // this older one would bring a deleted post back.
    if (!current && (await this.events.findOne({ _id: eventKey(id, version + 1) }, { projection: { _id: 1 } }))) return;
    // Every type by name, none by elimination: a new event type does not
    // compile until this says how it leaves the post, rather than being taken
    // for a full snapshot (or a deletion) without anyone deciding it.
    switch (event.type) {
      case 'post.created':
      case 'post.updated':
        await this.posts.replaceOne(
          { _id: event.data.id },
          toDoc(event.data, position ?? (await this.placeAlone(event.data))),
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

  /** Places for a post whose event predates them (a log older than places): claimed on their own. */
  private async placeAlone(post: Pick<Post, 'id' | 'author_id'>): Promise<PositionFields> {
    const author = authorSequence(post.author_id);
    for (;;) {
      const position = positionFields(
        post.author_id,
        await this.places.nextFree(GLOBAL_SEQUENCE),
        await this.places.nextFree(author),
      );
      try {
        await this.all.insertMany(
          [placeDoc(GLOBAL_SEQUENCE, position.seq, post.id), placeDoc(author, position.author_seq, post.id)],
          { ordered: true },
        );
        this.places.claimed(GLOBAL_SEQUENCE, position.seq + 1);
        this.places.claimed(author, position.author_seq + 1);
        return position;
      } catch (err) {
        if (!(err instanceof MongoBulkWriteError && isDuplicate(err))) throw err;
        await this.places.lookAgain(GLOBAL_SEQUENCE);
        await this.places.lookAgain(author);
      }
    }
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

  private entryOf(commit: PendingCommit, actor: string, change: PostChange, position?: PositionFields) {
    const event: PostEvent = {
      id: randomUUID(),
      schema_version: POST_EVENT_SCHEMA_VERSION,
      time: commit.committedAt.toISOString(),
      actor,
      ...change,
    };
    const { data } = change;
    return { id: eventKey(data.id, data.version), key: data.id, event, committedAt: commit.committedAt, position };
  }

  /** Commits a change of an existing post (its event alone), then makes the post document's write. */
  private async commitThen(
    actor: string,
    change: PostChange,
    position: PositionFields | undefined,
    write: () => Promise<unknown>,
  ) {
    const commit = this.outbox.begin();
    const entry = this.entryOf(commit, actor, change, position);
    try {
      await this.events.insertOne(eventDoc(entry, this.instance));
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) {
        this.outbox.failed(commit);
        throw new ConflictError();
      }
      this.outbox.unknown(commit);
      throw err;
    }
    try {
      await write();
    } catch (err) {
      this.outbox.committed(commit, entry, { repair: true });
      throw err;
    }
    this.outbox.committed(commit, entry);
  }
}

const isDuplicate = (err: MongoBulkWriteError) =>
  err.code === DUPLICATE_KEY || [err.writeErrors].flat()[0]?.code === DUPLICATE_KEY;

const positionOf = (d: PostDoc): PositionFields => ({
  seq: d.seq,
  page: d.page,
  author_seq: d.author_seq,
  author_page: d.author_page,
});
