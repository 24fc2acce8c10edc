import type { Context } from 'hono';
import type { z } from 'zod';
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
