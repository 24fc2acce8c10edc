import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { ServiceConfig } from './config.js';
import { ConsulAgent, keepRegistered, traefikTags, type RouteSpec } from './consul.js';
import { ApiError, errorHandler, notFoundHandler } from './errors.js';
import { healthRoutes, type HealthCheck } from './health.js';
import type { Logger } from './logger.js';
import { methodNotAllowed, serveOpenApi } from './openapi.js';

/**
 * Consul id of this instance. Host and port cannot be shared by two live
 * processes, and a restarted process on the same port replaces the stale
 * entry of its dead predecessor instead of leaving a critical ghost.
 */
export function instanceId(service: string, address: string, port: number): string {
  return `${service}-${hostname()}-${address}-${port}`;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * The Hono app every service starts from: one error shape, JSON 404s, the
 * health routes both at `/health` (for Consul and operators) and under the
 * service's public prefix (so they can be reached through the gateway), and
 * the OpenAPI document of everything mounted under the prefix at
 * `<prefix>/openapi.json`.
 */
export function createBaseApp(opts: {
  logger: Logger;
  instance: string;
  pathPrefix: string;
  checks: Record<string, HealthCheck>;
  maxBodyBytes?: number;
  /** Title and description of the service's OpenAPI document. */
  api: { title: string; description: string };
}): OpenAPIHono {
  const app = new OpenAPIHono();
  app.onError(errorHandler(opts.logger));
  app.notFound(notFoundHandler);
  // No route takes more than a small JSON document; cap bodies before anyone reads them.
  app.use(
    bodyLimit({
      maxSize: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(
          413,
          'payload_too_large',
          `request body exceeds ${opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes`,
        );
      },
    }),
  );
  app.use(methodNotAllowed(app));
  const health = healthRoutes(opts.instance, opts.checks);
  // The bare copy goes through a plain Hono so it stays out of the document:
  // the gateway only reaches the prefixed one.
  app.route('/', new Hono().route('/', health));
  app.route(opts.pathPrefix, health);
  serveOpenApi(app, { prefix: opts.pathPrefix, ...opts.api });
  return app;
}

export interface RunServiceOptions {
  name: string;
  /** The gateway routers this service registers (see `serviceRoutes`). */
  routes: RouteSpec[];
  config: ServiceConfig;
  logger: Logger;
  /** The app to serve (a Hono app: only its `fetch` is needed). */
  app: { fetch: (request: Request) => Response | Promise<Response> };
  /** Closes clients after the HTTP server has drained, in order. */
  close?: Array<() => Promise<unknown>>;
  /** Whether to install SIGTERM/SIGINT handlers (tests drive `stop()` themselves). */
  handleSignals?: boolean;
}

export interface RunningService {
  id: string;
  port: number;
  server: ServerType;
  stop(reason?: string): Promise<void>;
}

/**
 * Serves the app, registers it in Consul and, on SIGTERM, shuts down in the
 * order that loses no request: leave Consul, wait for the gateway to notice,
 * stop accepting, let in-flight requests finish, then close clients.
 */
export async function runService(opts: RunServiceOptions): Promise<RunningService> {
  const { config, logger } = opts;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: opts.app.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const id = instanceId(opts.name, config.SERVICE_ADDRESS, port);
  logger.info({ id, host: config.HOST, port }, 'listening');

  const agent = new ConsulAgent(config.CONSUL_URL);
  const registration = config.CONSUL_REGISTER
    ? keepRegistered(
        agent,
        {
          name: opts.name,
          id,
          address: config.SERVICE_ADDRESS,
          port,
          tags: traefikTags(opts.routes),
          checkPath: '/health/live',
        },
        logger,
      )
    : undefined;
  await registration?.ready;

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop') =>
    (stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      registration?.stop();
      if (registration) {
        await agent.deregister(id).catch((err) => logger.warn({ err: String(err) }, 'deregister failed'));
        await new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY_MS));
      }
      await closeServer(server, config.SHUTDOWN_TIMEOUT_MS, logger);
      for (const close of opts.close ?? []) {
        await close().catch((err) => logger.warn({ err: String(err) }, 'closing a client failed'));
      }
      logger.info('stopped');
    })());

  if (opts.handleSignals ?? true) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void stop(signal).then(() => process.exit(0));
      });
    }
  }
  return { id, port, server, stop };
}

async function closeServer(server: ServerType, timeoutMs: number, logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    // A keep-alive socket becomes idle once its in-flight response is sent;
    // close those as they appear instead of waiting out the keep-alive timeout.
    const sweep = setInterval(() => {
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    }, 50);
    const force = setTimeout(() => {
      logger.warn({ timeoutMs }, 'in-flight requests did not finish in time; closing connections');
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}
