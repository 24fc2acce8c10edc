import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_TAG, manifest, pathPrefix } from '@feedmesh/common';
import {
  consulHeaders,
  consulServiceToken,
  deregister,
  eventually,
  getJson,
  readEnvFile,
  stack,
} from '@feedmesh/testkit';

// Finding 1 of issue 13, as an attacker on the same host tried it: register a
// catalog entry whose tags claim the services' paths at a priority above
// theirs, and receive users' bearer tokens and login bodies. Consul's ACLs
// (default deny, one token per service for its own name) refuse the
// registration; Traefik's constraint ignores what lacks the mesh's tag, even
// if a privileged token put it there.

const pid = process.pid;
let backend: Server;
let port: number;
const registered: string[] = [];

beforeAll(async () => {
  // What a hijacker would serve: it answers every path, its health included.
  backend = createServer((_req, res) => res.end('{"hijacked":true}'));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  port = (backend.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const id of registered.splice(0)) await deregister(id);
  backend.closeAllConnections();
  await new Promise((r) => backend.close(r));
});

/** The tags of the attack: the posts prefix and the login path, above every router of the mesh. */
const hijackTags = (router: string, extra: string[] = []) => [
  ...extra,
  'traefik.enable=true',
  `traefik.http.routers.${router}.rule=PathPrefix(\`/api/posts\`) || Path(\`/api/auth/login\`) || ${pathPrefix(`/${router}`)}`,
  `traefik.http.routers.${router}.entrypoints=web`,
  `traefik.http.routers.${router}.priority=100000`,
];

/** Registers an entry as `token` (none: anonymous); the status Consul answers. */
async function register(name: string, tags: string[], token?: string): Promise<number> {
  const id = `${name}-${pid}`;
  const res = await fetch(`${stack.consulUrl}/v1/agent/service/register`, {
    method: 'PUT',
    headers: token ? { 'x-consul-token': token } : {},
    body: JSON.stringify({
      ID: id,
      Name: name,
      Address: '127.0.0.1',
      Port: port,
      Tags: tags,
      Check: { HTTP: `http://127.0.0.1:${port}/`, Interval: '1s', Timeout: '1s' },
    }),
  });
  await res.body?.cancel();
  if (res.ok) registered.push(id);
  return res.status;
}

const routerNames = async () =>
  (await getJson<Array<{ name: string }>>(`${stack.traefikApiUrl}/api/http/routers`)).body.map((r) => r.name);

/** The gateway still sends the attacked paths to the mesh's own services. */
async function expectGatewayUntouched() {
  const posts = await getJson<{ instance?: string }>(`${stack.gatewayUrl}/api/posts/health`);
  expect(posts.status).toBe(200);
  expect(posts.body.instance).toMatch(/^posts-service-/);
  const login = await fetch(`${stack.gatewayUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(await login.text()).not.toContain('hijacked');
}

/** Registers `marker` with the mesh tag and waits until Traefik routes it: it has taken in every earlier change. */
async function afterTraefikCaughtUp(marker: string) {
  expect(
    await register(
      marker,
      [GATEWAY_TAG, 'traefik.enable=true', `traefik.http.routers.${marker}.rule=${pathPrefix(`/${marker}`)}`],
      stack.consulToken,
    ),
  ).toBe(200);
  await eventually(
    async () => (await routerNames()).includes(`${marker}@consulcatalog`),
    20_000,
    100,
    `${marker} routed`,
  );
}

const tokens = readEnvFile('.run/stack.env');
const services = Object.keys(manifest.services);

describe('Consul ACLs: who may put what into the gateway', () => {
  it('refuses a registration without a token (403), and no route appears at the gateway', async () => {
    const router = `anon-hijack-${pid}`;
    expect(await register(router, hijackTags(router))).toBe(403);
    await afterTraefikCaughtUp(`anon-marker-${pid}`);
    expect(await routerNames()).not.toContain(`${router}@consulcatalog`);
    expect((await fetch(`${stack.gatewayUrl}/${router}`)).status).toBe(404);
    await expectGatewayUntouched();
  });

  it('shows a caller without a token nothing of the catalog and none of its keys', async () => {
    expect((await getJson(`${stack.consulUrl}/v1/catalog/services`)).body).toEqual({});
    expect((await getJson(`${stack.consulUrl}/v1/health/service/posts-service`)).body).toEqual([]);
    // posts-service's outbox lock, which the management token sees held.
    expect((await fetch(`${stack.consulUrl}/v1/kv/feedmesh/posts-service/outbox-recovery`)).status).toBe(403);
  });

  it.each(services)("lets %s's token register no other service's name (403)", async (name) => {
    const token = consulServiceToken(name);
    expect(token, `the stack's token of ${name}`).not.toBe('');
    for (const other of services.filter((s) => s !== name)) {
      expect(await register(other, hijackTags(`${name}-as-${other}`), token), `${name} as ${other}`).toBe(403);
    }
    expect(await register(`evil-${name}`, hijackTags(`evil-${name}`), token)).toBe(403);
  });

  it("lets no service's token take posts-service's outbox lock or write under its keys", async () => {
    for (const name of services.filter((s) => s !== 'posts-service')) {
      const res = await fetch(`${stack.consulUrl}/v1/kv/feedmesh/posts-service/outbox-recovery-${pid}`, {
        method: 'PUT',
        headers: { 'x-consul-token': consulServiceToken(name) },
        body: name,
      });
      await res.body?.cancel();
      expect(res.status, name).toBe(403);
    }
  });

  it("lets Traefik's token read the catalog but register nothing", async () => {
    const file = tokens.CONSUL_TOKEN_TRAEFIK_FILE;
    expect(file, "stack.env names the file of Traefik's token").toBeTruthy();
    const token = readFileSync(file!, 'utf8').trim();
    const catalog = await getJson<Record<string, string[]>>(`${stack.consulUrl}/v1/catalog/services`, {
      'x-consul-token': token,
    });
    expect(Object.keys(catalog.body)).toEqual(expect.arrayContaining(services));
    for (const name of [...services, `traefik-hijack-${pid}`]) {
      expect(await register(name, hijackTags(`traefik-as-${name}`), token), name).toBe(403);
    }
  });
});

describe("Traefik's constraint: only the mesh's entries are routed", () => {
  it('gives no router to an entry without the mesh tag, even one a privileged token registered with traefik.enable=true', async () => {
    const router = `outsider-${pid}`;
    expect(await register(router, hijackTags(router), stack.consulToken)).toBe(200);
    // Passing in Consul, so only the constraint keeps it out of Traefik.
    await eventually(
      async () =>
        (await getJson<unknown[]>(`${stack.consulUrl}/v1/health/service/${router}?passing=true`, consulHeaders)).body
          .length > 0,
      10_000,
      100,
      `${router} passing in Consul`,
    );
    await afterTraefikCaughtUp(`outsider-marker-${pid}`);
    expect(await routerNames()).not.toContain(`${router}@consulcatalog`);
    expect((await fetch(`${stack.gatewayUrl}/${router}`)).status).toBe(404);
    await expectGatewayUntouched();
  });
});
