import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, GATEWAY_TAG } from '@feedmesh/common';
import { consulHeaders, deregister, eventually, routedUrls, stack } from '@feedmesh/testkit';

// The gateway's retry (retry-unsent in api_gateway/dynamic.yml, in every
// chain): a request no byte of which reached a backend is sent again, to
// whichever instance the load balancer picks next; one a backend received is
// never sent twice. Probed with services of the test's own in Consul, routed
// through the same `public@file` chain the services use.
const registered: string[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const id of registered.splice(0)) await deregister(id);
  for (const s of servers.splice(0)) {
    // Closing waits for open connections; the gateway may keep its own idle for long.
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Registers an instance of `name` at `port`, passing as long as `healthUrl` answers. */
async function register(name: string, port: number, healthUrl: string) {
  const id = `${name}-${port}`;
  const res = await fetch(`${stack.consulUrl}/v1/agent/service/register`, {
    method: 'PUT',
    headers: consulHeaders,
    body: JSON.stringify({
      ID: id,
      Name: name,
      Address: '127.0.0.1',
      Port: port,
      Tags: [
        GATEWAY_TAG,
        'traefik.enable=true',
        `traefik.http.routers.${name}.rule=PathPrefix(\`/${name}\`)`,
        `traefik.http.routers.${name}.entrypoints=web`,
        `traefik.http.routers.${name}.middlewares=public@file`,
      ],
      Check: { HTTP: healthUrl, Interval: '1s', Timeout: '1s' },
    }),
  });
  expect(res.status).toBe(200);
  registered.push(id);
}

const routed = async (name: string) => (await routedUrls(name)).length;

describe('gateway retries', () => {
  it('sends a request that found a dead instance (connection refused) to a live one, POST included, exactly once', async () => {
    const name = `retry-probe-${process.pid}`;
    const seen: string[] = [];
    const live = await listen((req, res) => {
      if (req.url !== '/health') seen.push(req.method ?? '');
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const dead = await freePort();
    await register(name, live, `http://127.0.0.1:${live}/health`);
    // In Consul and Traefik's eyes a healthy instance; nothing listens on its port.
    await register(name, dead, `http://127.0.0.1:${live}/health`);
    await eventually(async () => (await routed(name)) === 2, 20_000);

    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push((await fetch(`${stack.gatewayUrl}/${name}/x`)).status);
      statuses.push((await fetch(`${stack.gatewayUrl}/${name}/x`, { method: 'POST', body: `post ${i}` })).status);
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(seen.filter((m) => m === 'POST')).toHaveLength(20);
    expect(seen.filter((m) => m === 'GET')).toHaveLength(20);
  });

  it('never repeats a request a backend received, even if the backend then dropped the connection', async () => {
    const name = `retry-reset-${process.pid}`;
    const health = await listen((_req, res) => res.end('ok'));
    let received = 0;
    const resetting = await listen((req) => {
      received++;
      req.socket.destroy();
    });
    await register(name, resetting, `http://127.0.0.1:${health}/`);
    await eventually(async () => (await routed(name)) === 1, 20_000);

    const res = await fetch(`${stack.gatewayUrl}/${name}/x`, { method: 'POST', body: 'once' });
    expect(res.status).toBe(502);
    expect(received).toBe(1);
  });

  it('never sends a request on a keep-alive connection the service is closing (Node drops idle ones after 5 s)', async () => {
    const name = `retry-idle-${process.pid}`;
    // Node's defaults, as every service runs with: keepAliveTimeout 5 s. Consul's checks come on connections of their own.
    const connections: Socket[] = [];
    const backend = await listen((req, res) => {
      if (req.url !== '/health' && !connections.includes(req.socket)) connections.push(req.socket);
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await register(name, backend, `http://127.0.0.1:${backend}/health`);
    await eventually(async () => (await routed(name)) === 1, 20_000);

    const post = async () => (await fetch(`${stack.gatewayUrl}/${name}/x`, { method: 'POST', body: 'a' })).status;
    expect(await post()).toBe(200);
    // Past Traefik's idle limit (4 s), short of Node's (5 s): the gateway, not the service, must have let go.
    await new Promise((r) => setTimeout(r, 4_500));
    expect(connections[0]?.destroyed).toBe(true);
    expect(await post()).toBe(200);
    expect(connections).toHaveLength(2);
  }, 20_000);
});
