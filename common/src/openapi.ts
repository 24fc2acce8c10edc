import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { ApiError, errorSchema } from './errors.js';
import { ACCESS, type Operation } from './operation.js';

/** Name of the security scheme every operation under a bearer token refers to. */
const BEARER_AUTH = 'bearerAuth';

const errorDescriptions = {
  400: 'The request is malformed or fails validation',
  401: 'No valid bearer token',
  403: 'The caller may not do this',
  404: 'No such resource',
  409: 'Conflicts with the current state',
  413: 'The body is too large',
  415: 'The body is not application/json',
  429: 'Too many attempts from this client',
  503: 'A dependency is unavailable',
} as const;

export type ErrorStatus = keyof typeof errorDescriptions;

/** A JSON response of one zod schema. */
export const jsonResponse = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema } },
});

// A file's bytes, whatever they hold: OpenAPI 3.1 leaves a schema out for content that is not JSON.
const fileContent = (media: readonly string[]) => Object.fromEntries(media.map((type) => [type, {}]));

const errorResponse = (status: ErrorStatus) => jsonResponse(errorDescriptions[status], errorSchema);

/** The OpenAPI route of an operation, every error status it can answer documented with the one error shape. */
export function openApiRoute(op: Operation): RouteConfig {
  const access = ACCESS[op.access];
  const implied: ErrorStatus[] = [
    ...(op.body || op.query ? [400 as const] : []),
    ...(op.params ? [404 as const] : []),
    ...(op.body ? [413 as const, 415 as const] : []),
    ...access.errors,
  ];
  const errors = [...new Set([...implied, ...(op.errors ?? [])])].sort();
  return {
    method: op.method,
    path: op.path,
    summary: op.summary,
    ...(access.documented ? {} : { hide: true }),
    ...(access.bearer ? { security: [{ [BEARER_AUTH]: [] }] } : {}),
    request: {
      ...(op.params ? { params: op.params } : {}),
      ...(op.query ? { query: op.query } : {}),
      ...(op.body ? { body: { required: true, content: { 'application/json': { schema: op.body } } } } : {}),
    },
    responses: {
      [op.ok.status]: op.ok.events
        ? { description: op.ok.description, content: { 'text/event-stream': { schema: op.ok.events } } }
        : op.ok.media
          ? { description: op.ok.description, content: fileContent(op.ok.media) }
          : op.ok.schema
            ? jsonResponse(op.ok.description, op.ok.schema)
            : { description: op.ok.description },
      ...Object.fromEntries(errors.map((status) => [status, errorResponse(status)])),
    },
  };
}

const escapeRegex = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/** The paths an OpenAPI path template (`/posts/{id}`) stands for, as the source of a regular expression. */
export const templateRegex = (path: string) =>
  `^${path
    .split(/\{[^}]+\}/)
    .map(escapeRegex)
    .join('[^/]+')}$`;

/**
 * Answers 405 with an `Allow` header when a path of the document is asked
 * with a method it does not document. Hono's own methodNotAllowed
 * middleware cannot: it only looks at requests no route took, and
 * `DELETE /api/posts/health` is taken by `DELETE /api/posts/:id`, where
 * OpenAPI (and Schemathesis, checking it) rank the literal `/health` first.
 * Reads the document on the first request, once every route is mounted.
 */
export function methodNotAllowed(app: OpenAPIHono): MiddlewareHandler {
  let table: Array<{ pattern: RegExp; literal: boolean; methods: string[] }> | undefined;
  const build = () => {
    const byPath = new Map<string, string[]>();
    for (const def of app.openAPIRegistry.definitions) {
      if (def.type !== 'route') continue;
      const methods = byPath.get(def.route.path) ?? [];
      methods.push(def.route.method.toUpperCase());
      byPath.set(def.route.path, methods);
    }
    return [...byPath].map(([path, methods]) => ({
      pattern: new RegExp(templateRegex(path)),
      literal: !path.includes('{'),
      methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods,
    }));
  };
  return async (c, next) => {
    table ??= build();
    const all = table.filter((entry) => entry.pattern.test(c.req.path));
    // As in OpenAPI, a literal path wins over a template (`/health` is not a post `{id}`).
    const literal = all.filter((entry) => entry.literal);
    const matching = literal.length > 0 ? literal : all;
    if (matching.length > 0 && !matching.some((entry) => entry.methods.includes(c.req.method))) {
      c.header('Allow', [...new Set(matching.flatMap((entry) => entry.methods))].join(', '));
      throw new ApiError(405, 'method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}`);
    }
    await next();
  };
}

/**
 * Serves the app's OpenAPI 3.1 document at `<prefix>/openapi.json`, with the
 * bearer scheme the gateway's forward-auth checks. Every operation mounted on
 * the app (and on sub-apps mounted with `route`) appears in it.
 */
export function serveOpenApi(app: OpenAPIHono, opts: { prefix: string; title: string; description: string }): void {
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_AUTH, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /api/auth/login, checked by the gateway',
  });
  app.doc31(`${opts.prefix}/openapi.json`, {
    openapi: '3.1.0',
    info: { title: opts.title, version: '1.0.0', description: opts.description },
  });
}
