import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Env, Handler, MiddlewareHandler } from 'hono';
import { ApiError, errorSchema } from './errors.js';

/** Name of the security scheme every protected operation refers to. */
export const BEARER_AUTH = 'bearerAuth';

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

/** `responses` entries for the error statuses an operation can answer, all with the one error shape. */
export function errorResponses(...statuses: ErrorStatus[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: errorDescriptions[s], content: { 'application/json': { schema: errorSchema } } },
    ]),
  );
}

/** A JSON response of one zod schema. */
export const jsonResponse = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema } },
});

/** One operation of a service, in the few terms that vary between them. */
export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  /** Behind the gateway's forward-auth: the bearer scheme, and a possible 401. */
  bearer?: boolean;
  params?: z.ZodObject;
  /** Query parameters: their validation can answer 400. */
  query?: z.ZodObject;
  /** A required JSON body: reading it can answer 400, 413 and 415. */
  body?: z.ZodType;
  /** The success answer; without a schema it has no body. */
  ok: { status: 200 | 201 | 204; description: string; schema?: z.ZodType };
  /** Error statuses of the operation itself (those of the body, query and token are implied). */
  errors?: ErrorStatus[];
}

/** The OpenAPI route of an operation, every error status it can answer documented with the one error shape. */
export function apiRoute(r: ApiRoute): RouteConfig {
  const implied: ErrorStatus[] = [
    ...(r.body || r.query ? [400 as const] : []),
    ...(r.body ? [413 as const, 415 as const] : []),
    ...(r.bearer ? [401 as const] : []),
  ];
  const errors = [...new Set([...implied, ...(r.errors ?? [])])].sort();
  return {
    method: r.method,
    path: r.path,
    summary: r.summary,
    ...(r.bearer ? { security: [{ [BEARER_AUTH]: [] }] } : {}),
    request: {
      ...(r.params ? { params: r.params } : {}),
      ...(r.query ? { query: r.query } : {}),
      ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
    },
    responses: {
      [r.ok.status]: r.ok.schema ? jsonResponse(r.ok.description, r.ok.schema) : { description: r.ok.description },
      ...errorResponses(...errors),
    },
  };
}

/**
 * Adds an operation to the app's OpenAPI document and mounts its handlers on
 * exactly the documented method and path. Validation stays in the handlers
 * (`readJson`, `safeParse` of the same zod schemas), so the one error shape
 * and the strict UTF-8 reading apply as everywhere else.
 */
export function operation<E extends Env>(
  app: OpenAPIHono<E>,
  route: RouteConfig,
  ...handlers: [...MiddlewareHandler<E>[], Handler<E>]
): void {
  app.openAPIRegistry.registerPath(route);
  app.on(route.method.toUpperCase(), [route.path.replaceAll(/\{(\w+)\}/g, ':$1')], ...handlers);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/**
 * Answers 405 with an `Allow` header when a path of the document is asked
 * with a method it does not document, before any other middleware (such as
 * `requireIdentity`, which would otherwise turn it into a 401) or the 404.
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
      pattern: new RegExp(
        `^${path
          .split(/\{[^}]+\}/)
          .map(escapeRegex)
          .join('[^/]+')}$`,
      ),
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

export { OpenAPIHono };
