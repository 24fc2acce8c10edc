// The proxy floor: Traefik in front of a backend that does nothing but answer
// a fixed JSON body. Whatever a request through the gateway costs beyond this
// is the service's own work; this much it cannot go below.
import { createServer, type Server } from 'node:http';
import { pathPrefix, traefikTags } from '@feedmesh/common';
import { stack } from '@feedmesh/testkit';
import { withBenchRoute } from './route.js';

export const FLOOR_PATH = '/bench-floor';
const BODY = JSON.stringify({ status: 'ok', from: 'bench-floor' });

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the kernel picks a free loopback port, so no race with other stacks.
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

/**
 * Serves the trivial backend on a free loopback port, routes the gateway's
 * `/bench-floor` to it through the same `public` chain as the feed read, runs
 * `fn` with both addresses, then takes the route away and stops the server.
 * Production routes are untouched: the router exists only while `fn` runs.
 */
export async function withProxyFloor<T>(fn: (urls: { gateway: string; direct: string }) => Promise<T>): Promise<T> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  // Traefik keeps connections to its backends alive; match Node's services.
  server.keepAliveTimeout = 65_000;
  const port = await listen(server);
  const gateway = `${stack.gatewayUrl}${FLOOR_PATH}`;
  try {
    return await withBenchRoute(
      {
        name: 'bench-floor',
        id: `bench-floor-${process.pid}`,
        address: '127.0.0.1',
        port,
        checkPath: '/health/live',
        tags: traefikTags([{ router: 'bench-floor', rule: pathPrefix(FLOOR_PATH), middlewares: ['public@file'] }]),
      },
      [{ url: gateway }],
      () => fn({ gateway, direct: `http://127.0.0.1:${port}${FLOOR_PATH}` }),
    );
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
