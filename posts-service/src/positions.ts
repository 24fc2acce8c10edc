import { MongoBulkWriteError, type Collection } from 'mongodb';

/**
 * Where a post sits in a listing: its place in creation order, globally and
 * among its author's posts, and the page that place falls in.
 *
 * Why pages: the MongoDB-protocol server of the native stack (FerretDB v1)
 * runs every sort, range and skip over the whole collection; only top-level
 * equality reaches PostgreSQL, where an index serves it. A page is a small,
 * bounded set found by one equality (`{page: 1234}`), so "newest first" reads
 * a page or two and sorts a few dozen documents, whatever the collection's
 * size. On a real MongoDB the same queries are plain index lookups.
 */
export const PAGE_SIZE = 50;

export const pageOf = (position: number) => Math.floor(position / PAGE_SIZE);

/** A claimed place: `_id` is "<sequence key>:<position>". Insert-only. */
export interface SlotDoc {
  _id: string;
  post_id: string;
}

/** The fields a post document carries for listing (never shown to clients). */
export interface PositionFields {
  seq: number;
  page: number;
  author_seq: number;
  author_page: string;
}

export const GLOBAL_SEQUENCE = 'g';
export const authorSequence = (authorId: string) => `a:${authorId}`;

export function positionFields(authorId: string, seq: number, authorSeq: number): PositionFields {
  return { seq, page: pageOf(seq), author_seq: authorSeq, author_page: `${authorId}:${pageOf(authorSeq)}` };
}

/** How to page through one listing: all posts, or one author's. */
export interface Listing {
  sequence: string;
  order: 'seq' | 'author_seq';
  filter: (page: number) => Record<string, string | number>;
}

export function listingOf(authorId: string | undefined): Listing {
  if (authorId === undefined) return { sequence: GLOBAL_SEQUENCE, order: 'seq', filter: (page) => ({ page }) };
  return {
    sequence: authorSequence(authorId),
    order: 'author_seq',
    filter: (page) => ({ author_page: `${authorId}:${page}` }),
  };
}

/** Most sequences this process remembers the next free position of (one per active author). */
const REMEMBERED = 10_000;

/** Most claims of one sequence sent in one insert. */
const MAX_BATCH = 100;

interface Waiting {
  postId: string;
  resolve: (position: number) => void;
  reject: (err: unknown) => void;
}

const isDuplicate = (err: MongoBulkWriteError) => err.code === 11000 || [err.writeErrors].flat()[0]?.code === 11000;

/**
 * Dense, gap-free position sequences whose only write is an insert against
 * the unique `_id`, the one write the server makes exact under concurrency
 * (its conditional updates can have several winners). Instances race for the
 * next number; the loser of a race takes the one after.
 *
 * Within a process, the claims of one sequence are sent in turn, those that
 * queued meanwhile together: one ordered insert of consecutive positions
 * (group commit). An ordered insert stops at its first failure, so what
 * landed is always a prefix and no hole is ever left behind a later position.
 */
export class Positions {
  /** Next position to try, per sequence: every position below it is claimed. */
  private readonly next = new Map<string, number>();
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(private readonly slots: Collection<SlotDoc>) {}

  /** Claims the next position of `sequence` for `postId`. */
  claim(sequence: string, postId: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(sequence);
      if (queue) return void queue.push({ postId, resolve, reject });
      this.waiting.set(sequence, [{ postId, resolve, reject }]);
      void this.drain(sequence);
    });
  }

  /** The highest claimed position of `sequence` (0 if none): a gallop up from a claimed one, then a bisection. */
  async top(sequence: string, claimed = (this.next.get(sequence) ?? 1) - 1): Promise<number> {
    let low = claimed;
    let step = 1;
    while (await this.exists(sequence, low + step)) {
      low += step;
      step *= 2;
    }
    let high = low + step; // not claimed; claims are dense, so neither is anything above
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (await this.exists(sequence, mid)) low = mid;
      else high = mid;
    }
    // The next gallop starts here: a listing of a long sequence pays the bisection once, not per request.
    if (low + 1 > (this.next.get(sequence) ?? 1)) this.remember(sequence, low + 1);
    return low;
  }

  /** Sends the queued claims of `sequence` until none are left; the queue exists while this runs. */
  private async drain(sequence: string): Promise<void> {
    for (let queue = this.waiting.get(sequence); queue?.length; queue = this.waiting.get(sequence)) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await this.claimBatch(sequence, batch);
      } catch (err) {
        // Whether anything landed is unknown: the next claim looks the sequence up again.
        this.next.delete(sequence);
        for (const w of batch) w.reject(err);
      }
    }
    this.waiting.delete(sequence);
  }

  /** Claims consecutive positions for `batch`, resolving each waiter as its position lands. */
  private async claimBatch(sequence: string, batch: Waiting[]): Promise<void> {
    let first = this.next.get(sequence) ?? (await this.top(sequence)) + 1;
    while (batch.length > 0) {
      const docs = batch.map((w, i) => ({ _id: `${sequence}:${first + i}`, post_id: w.postId }));
      let landed = docs.length;
      let failure: MongoBulkWriteError | undefined;
      try {
        await this.slots.insertMany(docs, { ordered: true });
      } catch (err) {
        if (!(err instanceof MongoBulkWriteError)) throw err;
        failure = err;
        landed = err.insertedCount;
      }
      batch.splice(0, landed).forEach((w, i) => w.resolve(first + i));
      if (landed > 0) this.remember(sequence, first + landed);
      if (failure === undefined) return;
      if (!isDuplicate(failure)) throw failure;
      // Another instance took the next one: go on past everything that exists.
      first = (await this.top(sequence, first + landed)) + 1;
    }
  }

  private async exists(sequence: string, position: number): Promise<boolean> {
    return (await this.slots.findOne({ _id: `${sequence}:${position}` }, { projection: { _id: 1 } })) !== null;
  }

  private remember(sequence: string, next: number): void {
    this.next.delete(sequence); // re-insert: Map order is then least recently used first
    this.next.set(sequence, next);
    if (this.next.size > REMEMBERED) this.next.delete(this.next.keys().next().value as string);
  }
}
