import { afterEach, describe, expect, it } from 'vitest';
import { freePort, serviceManifest } from '@feedmesh/common';
import { spawnService, type SpawnedService } from './support/process.js';
import { eventually, getJson, stack } from './support/stack.js';

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

interface HealthEntry {
  Service: { ID: string };
  Checks: Array<{ ServiceID: string; Status: string }>;
}
async function consulStatus(id: string): Promise<string | undefined> {
  const { body } = await getJson<HealthEntry[]>(`${stack.consulUrl}/v1/health/service/${NAME}`);
  return body.find((e) => e.Service.ID === id)?.Checks.find((c) => c.ServiceID === id)?.Status;
}
async function routedUrls(): Promise<string[]> {
  const { status, body } = await getJson<{ loadBalancer?: { servers?: Array<{ url: string }> } }>(
    `${stack.traefikApiUrl}/api/http/services/${NAME}@consulcatalog`,
  );
  return status === 200 ? (body.loadBalancer?.servers ?? []).map((s) => s.url) : [];
}
const urlOf = (svc: SpawnedService) => `http://127.0.0.1:${svc.port}`;

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
    await eventually(async () => (await routedUrls()).includes(urlOf(extra)));

    const seen = await instancesSeenThroughGateway(40);
    expect(seen.size).toBeGreaterThanOrEqual(2);
    expect(seen.get(extra.id) ?? 0).toBeGreaterThan(0);
  });

  it('on SIGTERM leaves Consul first and drains, failing no request through the gateway', async () => {
    const extra = await start();
    await eventually(async () => (await routedUrls()).includes(urlOf(extra)));

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
    await eventually(async () => (await routedUrls()).includes(urlOf(first)));

    first.proc.kill('SIGKILL');
    await first.exited;
    const critical = await eventually(async () => (await consulStatus(first.id)) === 'critical', 15_000);
    const unrouted = await eventually(async () => !(await routedUrls()).includes(urlOf(first)), 15_000);
    console.info(`SIGKILL: critical in Consul after ${critical.ms} ms, out of Traefik after ${unrouted.ms} ms`);

    const again = await start(port);
    expect(again.id).toBe(first.id);
    const back = await eventually(async () => (await routedUrls()).includes(urlOf(again)), 15_000);
    console.info(`restart: routed again after ${back.ms} ms`);
    expect(await consulStatus(again.id)).toBe('passing');
  });
});
