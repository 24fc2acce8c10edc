import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { ApiError, zodIssues } from './errors.js';
import type { Operation } from './operation.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// application/json, with parameters only as zod-openapi's own media-type check
// (which runs after this one) accepts them, so that every 415 reads the same:
// no `+json` relatives, no space before `;`, each parameter `name=value`.
const JSON_MEDIA_TYPE = /^application\/json(;\s*[a-z0-9-]+=[^;]+)*$/i;
const CHARSET = /;\s*charset=([^;]*)/i;

/**
 * Reads a JSON request body strictly, before zod-openapi validates it: 415
 * unless it is declared as JSON, in UTF-8 and not encoded, 400 for bytes that are not UTF-8 or not
 * JSON. Hono's own reading would decode invalid UTF-8 into replacement
 * characters, accept any `+json` type and answer a generic 400 for bad JSON.
 * (Size is capped earlier, by the body limit of the app.)
 */
async function readJsonStrictly(c: Context): Promise<void> {
  const type = c.req.header('content-type') ?? '';
  if (!JSON_MEDIA_TYPE.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
  }
  // JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset would be
  // read as what it is not, so it is refused rather than guessed at.
  const charset = CHARSET.exec(type)?.[1]?.replace(/^"(.*)"$/, '$1');
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as application/json in UTF-8');
  }
  // No service decodes a compressed body: its bytes are not JSON, and it is
  // not the client's JSON that is wrong (RFC 9110 §15.5.16: 415).
  const encoding = c.req.header('content-encoding');
  if (encoding !== undefined && !/^\s*identity\s*$/i.test(encoding)) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body without a content-encoding');
  }
  let body: unknown;
  try {
    body = JSON.parse(strictUtf8.decode(await c.req.arrayBuffer()));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, 'invalid_json', 'the body is not valid UTF-8 JSON');
  }
  // zod-openapi's validator, which runs next, reads the body with `c.req.json()`:
  // hand it this value instead of decoding and parsing the same bytes again.
  c.req.json = <T>() => Promise.resolve(body as T);
}

type ValidationResult = { success: true; target: string } | { success: false; target: string; error: z.ZodError };

const readBody: MiddlewareHandler = async (c, next) => {
  await readJsonStrictly(c);
  await next();
};

/**
 * The checks of an operation's input around zod-openapi's own validation:
 * route middleware, and the hook its validators call. Every refusal is in
 * the one error shape. A path parameter that fails its schema names nothing,
 * so it is the operation's 404, like a well-formed id that names nothing; and
 * the body of such an operation is read only once its path parameters are
 * valid, so a malformed id is a 404 whatever the body.
 */
export function inputChecks(op: Operation) {
  const hook = async (result: ValidationResult, c: Context): Promise<undefined> => {
    if (!result.success) {
      if (result.target === 'param' && op.params) throw new ApiError(404, 'not_found', op.notFound);
      const part = result.target === 'query' ? 'query' : 'request body';
      throw new ApiError(400, 'validation_failed', `${part} is invalid`, zodIssues(result.error));
    }
    if (result.target === 'param' && op.body) await readJsonStrictly(c);
  };
  return { middleware: op.body && !op.params ? [readBody] : [], hook };
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
// Characters that show nothing (Unicode's Default_Ignorable_Code_Point in the
// BMP: zero-width spaces and joiners, bidi embeddings, overrides and isolates,
// fillers, variation selectors; and the control characters, C0 and C1, as
// VISIBLE below counts them); a title made only of them looks empty, or
// reorders what is displayed around it.
const INVISIBLE =
  '\\u0001-\\u0008\\u000e-\\u001b\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\uffa0\\ufff0-\\ufff8';
// eslint-disable-next-line no-misleading-character-class -- a class of single code points: joiners and variation selectors among them are each meant on their own
const NON_BLANK = new RegExp(`^[^\\u0000]*[^\\u0000${WHITESPACE}${INVISIBLE}][^\\u0000]*$`);
// The same outside the BMP too (the tag characters U+E0000–E0FFF, …), which a
// portable pattern cannot spell; checked after the documented pattern.
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}]/u;
const visible = (s: string) => VISIBLE.test(s);
const NOT_BLANK = 'must not be blank or contain NUL characters';

/**
 * `visibleText()`, stored trimmed. Length is checked before
 * trimming, so the documented limits hold for what the client sends.
 */
export function trimmedText(max: number) {
  return visibleText(max).trim();
}

/**
 * `text()` with at least one visible character: not only whitespace, nor only
 * invisible or bidi-control characters. Kept as sent.
 */
export function visibleText(max: number) {
  // One pattern (the document keeps only the first): not blank, and no NUL.
  return z
    .string()
    .max(max)
    .regex(NON_BLANK, { message: NOT_BLANK, abort: true })
    .refine(visible, NOT_BLANK)
    .refine(wellFormed, WELL_FORMED);
}

const UUID_ANY_CASE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * User ids are UUIDs in their canonical, lower-case form: PostgreSQL's output,
 * hence what tokens, events, feed keys and posts' `author_id` carry. A UUID
 * written in upper or mixed case names the same user (RFC 9562 §4), so every
 * service lower-cases it before looking anything up; any other string is left
 * as it is (it names nobody either way).
 */
export function canonicalUserId(id: string): string {
  return UUID_ANY_CASE.test(id) ? id.toLowerCase() : id;
}
