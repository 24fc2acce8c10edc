import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConsulAgent, GATEWAY_TAG, pathPrefix } from '@feedmesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consul as consulEndpoint,
  eventually,
  getJson,
  newUser,
  serviceUrl,
  stack,
  stackAssertions,
  type TestUser,
  throughGateway,
} from '@feedmesh/testkit';

// A backend of the test's own, registered in the real Consul behind the real
// gateway middlewares, that answers with exactly the headers it received.
const tag = `echo${process.pid}`;
const consul = new ConsulAgent(consulEndpoint);
let echo: Server;
let alice: TestUser;

const identityHeaderNames = /^x[-_.]?user[-_.]?id$|^x[-_.]?username$|^x[-_.]?identity[-_.]?assertion$/i;
type Echoed = { headers: Array<[string, string]> };
const identityHeadersIn = (e: Echoed) => e.headers.filter(([name]) => identityHeaderNames.test(name));

beforeAll(async () => {
  echo = createServer((req, res) => {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ headers: pairs }));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const port = (echo.address() as AddressInfo).port;
  await consul.register({
    name: tag,
    id: tag,
    address: '127.0.0.1',
    port,
    checkPath: '/',
    tags: [
      GATEWAY_TAG,
      'traefik.enable=true',
      `traefik.http.routers.${tag}-public.rule=${pathPrefix(`/${tag}/public`)}`,
      `traefik.http.routers.${tag}-public.middlewares=public@file`,
      `traefik.http.routers.${tag}-protected.rule=${pathPrefix(`/${tag}/protected`)}`,
      `traefik.http.routers.${tag}-protected.middlewares=protected@file`,
    ],
  });
  await eventually(
    async () =>
      (await getJson(`${stack.traefikApiUrl}/api/http/routers/${tag}-protected@consulcatalog`)).status === 200,
  );
  await eventually(async () => (await fetch(`${stack.gatewayUrl}/${tag}/public/`)).status === 200);
  alice = await newUser('alice');
});

afterAll(async () => {
  await consul.deregister(tag);
  await new Promise((r) => echo.close(r));
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const forgedVariants: Array<[string, string]> = [
  ['X-User-ID', 'forged-1'],
  ['x-user-id', 'forged-2'],
  ['X-USER-ID', 'forged-3'],
  ['X_User_ID', 'forged-4'],
  ['X.User.ID', 'forged-5'],
  ['x_user-id', 'forged-6'],
  ['X-User_Id', 'forged-7'],
  ['X-Username', 'root'],
  ['X_Username', 'root'],
  ['X-Identity-Assertion', 'forged.assertion.value'],
  ['X_Identity_Assertion', 'forged.assertion.value'],
];

describe('identity at the edge', () => {
  it('gives a protected backend the caller identity set by forward-auth, and nothing the client forged', async () => {
    for (const [name, value] of forgedVariants) {
      const res = await fetch(`${stack.gatewayUrl}/${tag}/protected/x`, {
        headers: { ...bearer(alice.token), [name]: value },
      });
      expect(res.status, name).toBe(200);
      const got = identityHeadersIn((await res.json()) as Echoed);
      expect(got.map(([n]) => n.toLowerCase()).sort(), name).toEqual([
        'x-identity-assertion',
        'x-user-id',
        'x-username',
      ]);
      const asserted = Object.fromEntries(got.map(([n, v]) => [n.toLowerCase(), v]));
      expect(asserted['x-user-id'], name).toBe(alice.id);
      expect(asserted['x-username'], name).toBe(alice.username);
      const verified = await (await stackAssertions()).verify(asserted['x-identity-assertion']!);
      expect(verified.userId).toBe(alice.id);
    }
  });

  it('lets no identity header, in any spelling, through a public route', async () => {
    const headers = Object.fromEntries(forgedVariants);
    const res = await fetch(`${stack.gatewayUrl}/${tag}/public/x`, { headers });
    expect(res.status).toBe(200);
    expect(identityHeadersIn((await res.json()) as Echoed)).toEqual([]);
  });

  it('answers 401 JSON on a protected route without a token, and never reaches the backend', async () => {
    const res = await fetch(`${stack.gatewayUrl}/${tag}/protected/x`, { headers: { 'X-User-ID': alice.id } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('answers GET /api/auth/me with the caller', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/auth/me`, {
      headers: { ...bearer(alice.token), 'X-User-ID': 'someone-else' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: alice.id, username: alice.username, email: alice.email });
  });

  it('rejects a request that bypasses the gateway with a made-up identity', async () => {
    const url = `${serviceUrl('auth-service')}/api/auth/me`;
    for (const headers of [
      { 'X-User-ID': alice.id },
      { 'X-User-ID': alice.id, 'X-Identity-Assertion': 'forged' },
    ] as Array<Record<string, string>>) {
      const res = await fetch(url, { headers });
      expect(res.status).toBe(401);
    }
  });

  it('refuses bad input at the gateway with the JSON error shape', async () => {
    const post = (body: string | Uint8Array, type = 'application/json') =>
      throughGateway('/api/auth/register', { method: 'POST', headers: { 'content-type': type }, body });
    const cases: Array<[Response, number, string]> = [
      [await post('{"email":'), 400, 'invalid_json'],
      [await post('{}', 'text/plain'), 415, 'unsupported_media_type'],
      [
        await post(JSON.stringify({ email: 'a@b.co', username: 'abc', password: 'x'.repeat(100_000) })),
        413,
        'payload_too_large',
      ],
      [await post(JSON.stringify({ email: 'a@b.co', username: 'abc', password: 'short' })), 400, 'validation_failed'],
    ];
    for (const [res, status, code] of cases) {
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error: { code } });
    }
  });

  // Last: it spends this client's allowance of login attempts.
  it('rate-limits login attempts per client with a JSON 429', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 100 && !limited; i++) {
      const res = await fetch(`${stack.gatewayUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: alice.email, password: 'wrong guess' }),
      });
      if (res.status === 429) limited = res;
      else {
        expect(res.status).toBe(401);
        await res.body?.cancel();
      }
    }
    expect(limited?.status).toBe(429);
    expect(limited?.headers.get('content-type')).toMatch(/application\/json/);
    expect(await limited?.json()).toEqual({
      error: { code: 'rate_limited', message: 'too many attempts; slow down and retry shortly' },
    });
    await new Promise((r) => setTimeout(r, 4_500)); // let the bucket refill for whoever runs next
  });
});
