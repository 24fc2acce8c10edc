import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z, ZodError } from 'zod';
import type { Logger } from './logger.js';

/** Machine-readable error codes; the HTTP status says the class, the code says the reason. */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  /** HTTP that is not well-formed, refused by the server's parser before any route. */
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'headers_too_large',
  'request_timeout',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error shape of every feedmesh response: `{"error":{"code","message","issues?"}}`. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

type ErrorBody = z.output<typeof errorSchema>;
type ErrorIssue = NonNullable<ErrorBody['error']['issues']>[number];

export function errorBody(code: ErrorCode, message: string, issues?: ErrorIssue[]): ErrorBody {
  return { error: issues ? { code, message, issues } : { code, message } };
}

/** An error a handler throws on purpose; `onError` turns it into the JSON shape. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorIssue[],
  ) {
    super(status, { message });
    this.name = 'ApiError';
  }
}

const codeForStatus: Partial<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

export function zodIssues(error: ZodError): ErrorIssue[] {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
const MONGO_CONNECTION_ERRORS = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
]);

/** What the driver throws for a server's answer: to one write, or to a batch (insertMany). */
const MONGO_SERVER_ERRORS = new Set(['MongoServerError', 'MongoBulkWriteError']);

/**
 * Whether an error says a store could not be reached (down, restarting, the
 * connection dropped) rather than that the request or the code was wrong:
 * such a request may succeed on retry, so it is a 503, not a 500. Recognised
 * by shape, so `common` needs no driver: Node's socket codes; PostgreSQL's
 * connection-exception (08) and shutdown/startup (57P0x) SQLSTATEs and the
 * pg pool's dropped-connection messages; the MongoDB driver's connection
 * errors; and FerretDB's InternalError when its PostgreSQL is unreachable.
 */
export function storeUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code } = err as Error & { code?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|57P0)/.test(code))) return true;
  if (/^Connection terminated/.test(err.message)) return true;
  if (MONGO_CONNECTION_ERRORS.has(err.name)) return true;
  if (MONGO_SERVER_ERRORS.has(err.name) && /failed to connect to|SQLSTATE (08|57P0)/.test(err.message)) return true;
  return false;
}

/** The single `onError` of every service: known errors keep their status, a store out of reach is a 503, anything else is a logged 500. */
export function errorHandler(logger: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof ApiError) {
      return c.json(errorBody(err.code, err.message, err.issues), err.status);
    }
    if (err instanceof ZodError) {
      return c.json(errorBody('validation_failed', 'request is invalid', zodIssues(err)), 400);
    }
    if (err instanceof HTTPException && err.status < 500) {
      const code = codeForStatus[err.status] ?? 'validation_failed';
      return c.json(errorBody(code, err.message || code.replaceAll('_', ' ')), err.status);
    }
    if (storeUnavailable(err)) {
      logger.warn({ err: err.message, method: c.req.method, path: c.req.path }, 'store unavailable');
      return c.json(errorBody('unavailable', 'a store this service needs is unavailable; retry shortly'), 503);
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('internal', 'internal error'), 500);
  };
}

export const notFoundHandler: NotFoundHandler = (c: Context) =>
  c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
