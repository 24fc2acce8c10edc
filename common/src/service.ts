import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { ServiceApp } from './app.js';
import type { ServiceConfig } from './config.js';
import { ConsulAgent, keepRegistered } from './consul.js';
import { traefikTags } from './gateway.js';
import { answerClientError, HTTP_SERVER_OPTIONS } from './http-server.js';
import type { Logger } from './logger.js';

/**
 * Consul id of this instance. Host and port cannot be shared by two live
 * processes, and a restarted process on the same port replaces the stale
 * entry of its dead predecessor instead of leaving a critical ghost.
 */
export function instanceId(service: string, address: string, port: number): string {
  return `${service}-${hostname()}-${address}-${port}`;
}

export interface RunServiceOptions {
  /** The app to serve; its name, instance id and gateway routers are what it registers in Consul. */
  app: ServiceApp;
  config: ServiceConfig;
  logger: Logger;
  /** Closes clients after the HTTP server has drained, in order. */
  close?: Array<() => Promise<unknown>>;
  /**
   * Ends responses that would otherwise never finish (event streams), once
   * the instance has left Consul and before the server waits for what is in
   * flight: their clients reconnect, to another instance.
   */
  endStreams?: () => Promise<void>;
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
    const s = serve(
      { fetch: opts.app.fetch, port: config.PORT, hostname: config.HOST, serverOptions: HTTP_SERVER_OPTIONS },
      () => resolve(s),
    );
    s.once('error', reject);
    s.on('clientError', answerClientError);
  });
  const port = (server.address() as AddressInfo).port;
  const id = opts.app.instance;
  logger.info({ id, host: config.HOST, port }, 'listening');

  const agent = new ConsulAgent({ url: config.CONSUL_URL, token: config.CONSUL_TOKEN });
  const registration = config.CONSUL_REGISTER
    ? keepRegistered(
        agent,
        {
          name: opts.app.name,
          id,
          address: config.SERVICE_ADDRESS,
          port,
          tags: traefikTags(opts.app.routers),
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
      await opts.endStreams?.().catch((err) => logger.warn({ err: String(err) }, 'ending streams failed'));
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
