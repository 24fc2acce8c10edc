import type { Context } from 'hono';
import { z } from 'zod';
import { ApiError, zodIssues } from './errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON request body and validates it: 415 unless it is declared as
 * JSON, 400 for bytes that are not UTF-8 or not JSON, 400 listing every
 * schema violation. (Size is capped earlier, by the body limit of the base app.)
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
  }
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(await c.req.arrayBuffer()));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, 'invalid_json', 'the body is not valid UTF-8 JSON');
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(400, 'validation_failed', 'request body is invalid', zodIssues(result.error));
  return result.data;
}

/**
 * A bounded whole number in a query string, with a default when absent.
 * Digits only: "", " 5", "1e3", "0x10" and "-1" are 400s, not numbers coerced
 * out of them. The document describes it as the integer it is.
 */
export function queryInt(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^[0-9]{1,15}$/, 'must be a whole number')
    .default(String(fallback))
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .meta({ type: 'integer', minimum: min, maximum: max, default: fallback });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A string a store can keep exactly as sent: no NUL (PostgreSQL text and
 * jsonb, hence FerretDB, refuse it) and no lone surrogate (`"\ud800"` is
 * valid JSON but not Unicode; a driver would silently replace it).
 */
export function text() {
  return (
    z
      .string()
      // eslint-disable-next-line no-control-regex -- NUL is the very character refused
      .regex(/^[^\u0000]*$/, 'must not contain NUL characters')
      .refine(wellFormed, WELL_FORMED)
  );
}

const wellFormed = (s: string) => !LONE_SURROGATE.test(s);
const WELL_FORMED = 'must be well-formed Unicode (no lone surrogates)';

// Whitespace to JavaScript's trim() and to Python's \s alike (Python adds
// \x1c-\x1f and \x85, JavaScript adds \ufeff), spelled out so that every
// regex engine reading the documented pattern agrees on what is blank.
const WHITESPACE =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\u001c-\\u001f';
const NON_BLANK = new RegExp(`^[^\\u0000]*[^\\u0000${WHITESPACE}][^\\u0000]*$`);

/**
 * `text()` that must not be blank, stored trimmed. Length is checked before
 * trimming, so the documented limits hold for what the client sends.
 */
export function trimmedText(max: number) {
  // One pattern (the document keeps only the first): not blank, and no NUL.
  return z
    .string()
    .max(max)
    .regex(NON_BLANK, 'must not be blank or contain NUL characters')
    .refine(wellFormed, WELL_FORMED)
    .trim();
}
