import { afterEach, describe, expect, it } from 'vitest';
import { freePort, serviceManifest } from '@feedmesh/common';
import {
  eventually,
  getJson,
  instances,
  routedUrls,
  type SpawnedService,
  spawnService,
  stack,
} from '@feedmesh/testkit';

// Extra instances of auth-service, started and stopped by the test itself, so
// the supervised instances of the stack are never touched.
const NAME = 'auth-service';
const { prefix } = serviceManifest(NAME);
const started: SpawnedService[] = [];

afterEach(async () => {
  for (const svc of started.splice(0)) {
    if (svc.proc.exitCode === null && svc.proc.signalCode === null) {
      svc.proc.kill('SIGTERM');
      await svc.exited;
    }
  }
});

async function start(port?: number) {
  const svc = spawnService(NAME, port ?? (await freePort()), { SHUTDOWN_DELAY_MS: '1500' });
  started.push(svc);
  return svc;
}

const consulStatus = async (id: string) => (await instances(NAME)).find((i) => i.id === id)?.status;
const routed = () => routedUrls(NAME);

async function instancesSeenThroughGateway(requests: number) {
  const seen = new Map<string, number>();
  for (let i = 0; i < requests; i++) {
    const { status, body } = await getJson<{ instance: string }>(`${stack.gatewayUrl}${prefix}/health/live`);
    expect(status).toBe(200);
    seen.set(body.instance, (seen.get(body.instance) ?? 0) + 1);
  }
  return seen;
}

describe('service discovery through Consul and Traefik', () => {
  it('registers a second instance, which then shares the traffic', async () => {
    const extra = await start();
    await eventually(async () => (await consulStatus(extra.id)) === 'passing');
    await eventually(async () => (await routed()).includes(extra.url));

    const seen = await instancesSeenThroughGateway(40);
    expect(seen.size).toBeGreaterThanOrEqual(2);
    expect(seen.get(extra.id) ?? 0).toBeGreaterThan(0);
  });

  it('on SIGTERM leaves Consul first and drains, failing no request through the gateway', async () => {
    const extra = await start();
    await eventually(async () => (await routed()).includes(extra.url));

    let failures = 0;
    let sent = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        const res = await fetch(`${stack.gatewayUrl}${prefix}/health/live`).catch(() => undefined);
        sent++;
        if (res?.status !== 200) failures++;
        await res?.body?.cancel();
      }
    })();

    extra.proc.kill('SIGTERM');
    expect(await extra.exited).toBe(0);
    expect(await consulStatus(extra.id)).toBeUndefined();
    running = false;
    await load;
    expect(sent).toBeGreaterThan(20);
    expect(failures).toBe(0);
  });

  it('marks a SIGKILLed instance critical and stops routing to it within 15 s; a restart brings it back', async () => {
    const port = await freePort();
    const first = await start(port);
    await eventually(async () => (await routed()).includes(first.url));

    first.proc.kill('SIGKILL');
    await first.exited;
    const critical = await eventually(async () => (await consulStatus(first.id)) === 'critical', 15_000);
    const unrouted = await eventually(async () => !(await routed()).includes(first.url), 15_000);
    console.info(`SIGKILL: critical in Consul after ${critical.ms} ms, out of Traefik after ${unrouted.ms} ms`);

    const again = await start(port);
    expect(again.id).toBe(first.id);
    const back = await eventually(async () => (await routed()).includes(again.url), 15_000);
    console.info(`restart: routed again after ${back.ms} ms`);
    expect(await consulStatus(again.id)).toBe('passing');
  });
});
