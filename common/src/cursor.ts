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

/** A cursor in a query string, as the place it stands for. */
export const cursorParam = z
  .string()
  .regex(CURSOR, 'not a cursor: pass back the `next` of a page as it was given')
  .transform(fromCursor)
  .meta({ description: DESCRIPTION });

/** A cursor in an answer. */
export const cursorValue = z.string().regex(CURSOR);
