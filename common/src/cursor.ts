import { z } from 'zod';

/**
 * The public form of "continue below this place" in a listing: what a page
 * answers as `next` and takes back as `before`. Clients are told it is
 * opaque, so how a service keeps its listings (posts' places, the follow
 * graph's sequence) can change without changing the API; only this file
 * knows what is inside. Every listing that pages by a place uses it.
 *
 * Version 1 is a place (a 48-bit number) in 6 big-endian bytes, base64url:
 * exactly 8 characters. Every string of that form is a cursor, so the
 * documented pattern is the whole rule: what a client (or a fuzzer) sends
 * that matches it is answered, and anything else is a 400. A later version
 * takes another length, so an older cursor is refused by its form alone.
 */
const CURSOR = /^[A-Za-z0-9_-]{8}$/;
const BYTES = 6;

export function toCursor(position: number): string {
  const bytes = Buffer.alloc(BYTES);
  bytes.writeUIntBE(position, 0, BYTES);
  return bytes.toString('base64url');
}

const fromCursor = (cursor: string): number => Buffer.from(cursor, 'base64url').readUIntBE(0, BYTES);

const DESCRIPTION = 'Opaque: the `next` of the page before, passed back as it was given; its form may change.';

/** A cursor's two schemas: in a query string, as the place it stands for; in an answer, its form. */
const cursorSchemas = <T>(form: RegExp, decode: (cursor: string) => T) => ({
  param: z
    .string()
    .regex(form, 'not a cursor: pass back the `next` of a page as it was given')
    .transform(decode)
    .meta({ description: DESCRIPTION }),
  value: z.string().regex(form),
});

const version1 = cursorSchemas(CURSOR, fromCursor);
/** A cursor in a query string, as the place it stands for. */
export const cursorParam = version1.param;
/** A cursor in an answer. */
export const cursorValue = version1.value;

/**
 * Version 2, for listings ordered by a score and then an id (home
 * timelines: creation time, then post id), where a place is the last item
 * shown: its score (a 48-bit number) in 6 big-endian bytes, then the id's
 * UTF-8 bytes (at least one), base64url, 9 to 256 characters (ids up to
 * 186 bytes). Every string of that form is a cursor (9 characters stand
 * for an empty id), and none is of version 1's length.
 */
const SCORED_CURSOR = /^[A-Za-z0-9_-]{9,256}$/;

/** A place in a listing ordered by score, then id. */
export interface ScoredPlace {
  score: number;
  id: string;
}

export function toScoredCursor({ score, id }: ScoredPlace): string {
  const bytes = Buffer.alloc(BYTES);
  bytes.writeUIntBE(score, 0, BYTES);
  return Buffer.concat([bytes, Buffer.from(id, 'utf8')]).toString('base64url');
}

const fromScoredCursor = (cursor: string): ScoredPlace => {
  const bytes = Buffer.from(cursor, 'base64url');
  return { score: bytes.readUIntBE(0, BYTES), id: bytes.subarray(BYTES).toString('utf8') };
};

const version2 = cursorSchemas(SCORED_CURSOR, fromScoredCursor);
/** A cursor of version 2 in a query string, as the place it stands for. */
export const scoredCursorParam = version2.param;
/** A cursor of version 2 in an answer. */
export const scoredCursorValue = version2.value;
