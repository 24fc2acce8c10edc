import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { ApiError, zodIssues } from './errors.js';
import type { Operation } from './operation.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// application/json, with parameters only as zod-openapi's own media-type check
// (which runs after this one) accepts them, so that every 415 reads the same:
// no `+json` relatives, no space before `;`, each parameter `name=value`.
const JSON_MEDIA_TYPE = /^application\/json(;\s*[a-z0-9-]+=[^;]+)*$/i;

/**
 * Reads a JSON request body strictly, before zod-openapi validates it: 415
 * unless it is declared as JSON, 400 for bytes that are not UTF-8 or not
 * JSON. Hono's own reading would decode invalid UTF-8 into replacement
 * characters, accept any `+json` type and answer a generic 400 for bad JSON.
 * (Size is capped earlier, by the body limit of the app.)
 */
async function readJsonStrictly(c: Context): Promise<void> {
  if (!JSON_MEDIA_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
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
