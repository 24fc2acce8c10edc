import { remember } from '@feedmesh/common';
import type { Collection } from 'mongodb';

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
export interface PlaceDoc {
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

/** A claimed place, in `posts_db.posts`: `_id` is "<sequence>:<position>". Insert-only, never deleted. */
export const placeDoc = (sequence: string, position: number, postId: string): PlaceDoc => ({
  _id: `${sequence}:${position}`,
  post_id: postId,
});

/**
 * Dense, gap-free position sequences whose only write is an insert against
 * the unique `_id`, the one write the server makes exact under concurrency
 * (its conditional updates can have several winners). The store inserts the
 * places of a post together with the post (store.ts); this class knows
 * where each sequence ends. Instances race for the next number; the loser
 * of a race looks again and takes the one after. A place whose post did not
 * land stays claimed: listings skip it, and the sequence keeps no hole.
 */
export class Places {
  /** Next position to try, per sequence: every position below it is claimed. */
  private readonly next = new Map<string, number>();

  constructor(private readonly places: Collection<PlaceDoc>) {}

  /** The next position of `sequence` to try. */
  async nextFree(sequence: string): Promise<number> {
    return this.next.get(sequence) ?? (await this.top(sequence)) + 1;
  }

  /** Positions below `next` are claimed. */
  claimed(sequence: string, next: number): void {
    if (next > (this.next.get(sequence) ?? 1)) remember(this.next, sequence, next, REMEMBERED);
  }

  /** An insert of `sequence` lost a race: find its end again. */
  async lookAgain(sequence: string): Promise<void> {
    remember(this.next, sequence, (await this.top(sequence)) + 1, REMEMBERED);
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
    this.claimed(sequence, low + 1);
    return low;
  }

  private async exists(sequence: string, position: number): Promise<boolean> {
    return (await this.places.findOne({ _id: `${sequence}:${position}` }, { projection: { _id: 1 } })) !== null;
  }
}
