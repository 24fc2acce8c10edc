import { OpenAPIHono } from '@hono/zod-openapi';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, errorHandler, notFoundHandler } from './errors.js';
import { gatewayRouters, type RouteSpec } from './gateway.js';
import { healthRoutes, type HealthCheck } from './health.js';
import { requireIdentity } from './identity.js';
import type { IdentityJwt } from './jwt.js';
import type { Logger } from './logger.js';
import { serviceManifest } from './manifest.js';
import { methodNotAllowed, openApiRoute, serveOpenApi } from './openapi.js';
import { ACCESS, type Route } from './operation.js';
import { inputChecks } from './validation.js';

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface AppDeps {
  /** Its name in mesh.json, which gives its prefix and its document's title and description. */
  service: string;
  /** Its operations, each with its handler. */
  routes: Route[];
  /** Routes under the prefix that are in neither the document nor the gateway's routers. */
  internal?: Hono;
  logger: Logger;
  /** This instance's id in Consul (`instanceId`), also in its health reports. */
  instance: string;
  checks: Record<string, HealthCheck>;
  /** Verifies the identity the gateway asserts on `user` routes; a service without them needs none. */
  assertions?: IdentityJwt;
  maxBodyBytes?: number;
}

/** A service's app, with what `runService` registers in Consul for it. */
export class ServiceApp extends OpenAPIHono {
  constructor(
    readonly name: string,
    readonly instance: string,
    readonly routers: RouteSpec[],
  ) {
    super();
  }
}

/**
 * The app of a service: one error shape, JSON 404s, bodies capped, 405s for
 * undocumented methods, the health routes both at `/health` (for Consul and
 * operators) and under the service's prefix (so they can be reached through
 * the gateway), the OpenAPI document at `<prefix>/openapi.json`, and every
 * operation under the prefix, validated, behind the identity check its
 * access asks for. Never reads the environment, never listens.
 */
export function createApp(deps: AppDeps): ServiceApp {
  const { name, prefix, title, description } = serviceManifest(deps.service);
  const health = healthRoutes(deps.instance, deps.checks);
  const open = [...documentedPaths(health), '/openapi.json'];
  const operations = deps.routes.map((r) => r.operation);
  const app = new ServiceApp(name, deps.instance, gatewayRouters({ name, prefix, operations, open }));

  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  // No route takes more than a small JSON document; cap bodies before anyone reads them.
  app.use(bodyCap(deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
  app.use(methodNotAllowed(app));
  // The bare copy goes through a plain Hono so it stays out of the document:
  // the gateway only reaches the prefixed one.
  app.route('/', new Hono().route('/', health));
  app.route(prefix, health);
  serveOpenApi(app, { prefix, title, description });
  app.route(prefix, mount(deps.routes, deps.assertions));
  if (deps.internal) app.route(prefix, deps.internal);
  return app;
}

/**
 * Each operation on zod-openapi's own route: documented, its input validated
 * by zod-openapi with our checks around it, and before anything else the
 * identity check of a `user` operation.
 */
function mount(routes: Route[], assertions: IdentityJwt | undefined): OpenAPIHono {
  const api = new OpenAPIHono();
  const identity = assertions && requireIdentity(assertions);
  for (const { operation: op, handler } of routes) {
    const { middleware, hook } = inputChecks(op);
    if (ACCESS[op.access].identity && !identity)
      throw new Error(`${op.method.toUpperCase()} ${op.path} acts for a user, and the app was given no assertions`);
    const guards = ACCESS[op.access].identity && identity ? [identity] : [];
    // zod-openapi awaits its hook (in @hono/zod-validator), though its type leaves out that a hook may be async.
    const awaited = hook as unknown as Parameters<OpenAPIHono['openapi']>[2];
    api.openapi({ ...openApiRoute(op), middleware: [...guards, ...middleware] }, handler, awaited);
  }
  return api;
}

/**
 * Refuses a body over `maxSize` bytes with 413. A declared length is all it
 * needs (Node's parser never reads past it); only a body of unknown length
 * (chunked) goes through Hono's bodyLimit, which counts the bytes as they
 * come. Hono's alone would look at `c.req.raw.body` on every request, and on
 * @hono/node-server that turns its lightweight request into a full Fetch
 * Request with a stream, for GETs too.
 */
function bodyCap(maxSize: number): MiddlewareHandler {
  const tooLarge = () => {
    throw new ApiError(413, 'payload_too_large', `request body exceeds ${maxSize} bytes`);
  };
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number.parseInt(length, 10) > maxSize) tooLarge();
      return next();
    }
    // Without either header an HTTP/1.1 request has no body, and GET and HEAD never have one here.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return counted(c, next);
  };
}

const documentedPaths = (api: OpenAPIHono) =>
  api.openAPIRegistry.definitions.flatMap((def) => (def.type === 'route' ? [def.route.path] : []));
