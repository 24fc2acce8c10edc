import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { consul, consulHeaders, eventually, getJson, stack } from '@feedmesh/testkit';
import { ServiceApp } from '../src/app.js';
import { ConsulAgent, keepRegistered, type ServiceRegistration } from '../src/consul.js';
import { pathPrefix } from '../src/gateway.js';
import { runService, type RunningService } from '../src/service.js';
import { serviceConfigShape } from '../src/config.js';
import { z } from 'zod';

const logger = pino({ level: 'silent' });
// As the stack's management token: the test's own names are none of the services' tokens'.
const agent = new ConsulAgent(consul);
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

interface CatalogEntry {
  ServiceID: string;
  ServiceTags: string[];
  ServicePort: number;
}
const catalog = async (name: string) =>
  (await getJson<CatalogEntry[]>(`${stack.consulUrl}/v1/catalog/service/${name}`, consulHeaders)).body;
const checkStatus = async (id: string) => {
  const { body } = await getJson<Array<{ ServiceID: string; Status: string }>>(
    `${stack.consulUrl}/v1/agent/checks`,
    consulHeaders,
  );
  return Object.values(body).find((c) => c.ServiceID === id)?.Status;
};

// Port 0: the OS picks a free one, and the registration uses what was bound.
const config = {
  ...z.object(serviceConfigShape({ port: 1 })).parse({
    CONSUL_URL: stack.consulUrl,
    CONSUL_TOKEN: stack.consulToken || undefined,
    SHUTDOWN_DELAY_MS: '0',
  }),
  PORT: 0,
};

const testApp = (name: string) =>
  new ServiceApp(name, `${name}-1`, [{ router: name, rule: pathPrefix(`/test/${name}`) }]);

async function startTestService(name: string, app = testApp(name)): Promise<RunningService> {
  app.get('/health/live', (c) => c.json({ status: 'pass' }));
  const svc = await runService({ app, config, logger, handleSignals: false });
  cleanup.push(() => svc.stop('test cleanup'));
  return svc;
}

describe('registration in the real Consul', () => {
  it('registers the instance with its Traefik tags and a passing HTTP check', async () => {
    const name = `it-register-${process.pid}`;
    const svc = await startTestService(name);
    const [entry] = await catalog(name);
    expect(entry).toMatchObject({ ServiceID: svc.id, ServicePort: svc.port });
    expect(entry?.ServiceTags).toContain(`traefik.http.routers.${name}.rule=PathPrefix(\`/test/${name}\`)`);
    await eventually(async () => (await checkStatus(svc.id)) === 'passing');
  });

  it('keeps an instance in service through one check answered too slowly, and takes it out after two', async () => {
    const name = `it-slow-check-${process.pid}`;
    let stalls = 0;
    const app = testApp(name);
    app.get('/health/live', async (c) => {
      if (stalls > 0) {
        stalls--;
        await new Promise((r) => setTimeout(r, 3_000)); // beyond the check's 2 s timeout
      }
      return c.json({ status: 'pass' });
    });
    const svc = await startTestService(name, app);
    await eventually(async () => (await checkStatus(svc.id)) === 'passing');

    stalls = 1;
    const seen = new Set<string | undefined>();
    for (const until = Date.now() + 6_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200)))
      seen.add(await checkStatus(svc.id));
    expect(stalls).toBe(0); // the slow answer did happen
    expect([...seen]).toEqual(['passing']);

    stalls = 2;
    await eventually(async () => (await checkStatus(svc.id)) === 'critical', 15_000);
  });

  it('deregisters on stop, and only then closes the listener after in-flight requests finish', async () => {
    const name = `it-drain-${process.pid}`;
    const app = testApp(name);
    app.get('/slow', async (c) => {
      await new Promise((r) => setTimeout(r, 500));
      return c.json({ done: true });
    });
    const svc = await startTestService(name, app);
    const inFlight = fetch(`http://127.0.0.1:${svc.port}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    await svc.stop('test');
    expect(await catalog(name)).toEqual([]);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await expect(fetch(`http://127.0.0.1:${svc.port}/health/live`)).rejects.toThrow();
  });

  it('registers itself again when Consul loses the registration', async () => {
    const name = `it-keep-${process.pid}`;
    const reg: ServiceRegistration = { name, id: `${name}-1`, address: '127.0.0.1', port: 9, tags: [], checkPath: '/' };
    const keeper = keepRegistered(agent, reg, logger, 200);
    cleanup.push(async () => {
      keeper.stop();
      await agent.deregister(reg.id);
    });
    await keeper.ready;
    expect(await agent.isRegistered(reg.id)).toBe(true);

    await agent.deregister(reg.id); // what an agent restart with wiped state looks like
    expect(await agent.isRegistered(reg.id)).toBe(false);
    await eventually(() => agent.isRegistered(reg.id), 5_000, 50);
  });

  it('keeps retrying while Consul is unreachable, and registers once it answers', async () => {
    // A front for the real agent that drops the first two connections, as an agent that is down would.
    let dropped = 0;
    const front = createServer(async (req, res) => {
      if (dropped < 2) {
        dropped += 1;
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upstream = await fetch(new URL(req.url ?? '/', stack.consulUrl), {
        method: req.method,
        headers: { 'content-type': 'application/json', ...consulHeaders },
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    const name = `it-retry-${process.pid}`;
    const reg: ServiceRegistration = { name, id: `${name}-1`, address: '127.0.0.1', port: 9, tags: [], checkPath: '/' };
    const keeper = keepRegistered(new ConsulAgent({ url: frontUrl }, 500), reg, logger, 200);
    cleanup.push(async () => {
      keeper.stop();
      await agent.deregister(reg.id);
      await new Promise((r) => front.close(r));
    });

    await keeper.ready; // the first attempt failed without throwing
    expect(await agent.isRegistered(reg.id)).toBe(false);
    await eventually(() => agent.isRegistered(reg.id), 10_000, 100);
    expect(dropped).toBe(2);
  });
});
