import { beforeAll, describe, expect, it } from 'vitest';
import { forwardAuthService } from '@feedmesh/common';
import { consulHeaders, getJson, newUser, serviceUrl, stack, type TestUser } from '@feedmesh/testkit';

const services = [
  { name: 'auth-service', router: 'auth', prefix: '/api/auth', checks: ['postgres', 'kafka'], access: 'public' },
  {
    name: 'profile-service',
    router: 'profile',
    prefix: '/api/profile',
    checks: ['postgres', 'kafka'],
    access: 'protected',
  },
  { name: 'posts-service', router: 'posts', prefix: '/api/posts', checks: ['mongodb', 'kafka'], access: 'protected' },
  {
    name: 'feed-service',
    router: 'feed',
    prefix: '/api/activity-stream',
    checks: ['redis', 'kafka'],
    access: 'public',
  },
  { name: 'web-client', router: 'web-client', prefix: '/app', checks: [], access: 'public' },
];

let user: TestUser;
beforeAll(async () => {
  user = await newUser('gw');
});

interface Router {
  name: string;
  middlewares?: string[];
  provider: string;
  status: string;
  rule: string;
}

describe('the gateway routes every service from the Consul catalog', () => {
  it('has one enabled consulcatalog router per service, with its path prefix', async () => {
    const { body } = await getJson<Router[]>(`${stack.traefikApiUrl}/api/http/routers`);
    const fromConsul = body.filter((r) => r.provider === 'consulcatalog');
    for (const s of services) {
      const router = fromConsul.find((r) => r.name === `${s.router}@consulcatalog`);
      expect(router, `router for ${s.name}`).toBeDefined();
      expect(router).toMatchObject({
        status: 'enabled',
        rule: `PathPrefix(\`${s.prefix}\`)`,
        middlewares: [`${s.access}@file`],
      });
    }
  });

  it('puts forward-auth on the protected exact-path routers carved out of public prefixes', async () => {
    const { body } = await getJson<Router[]>(`${stack.traefikApiUrl}/api/http/routers`);
    for (const name of ['auth-user@consulcatalog', 'feed-user@consulcatalog']) {
      expect(body.find((r) => r.name === name)?.middlewares, name).toEqual(['protected@file']);
    }
    expect(body.find((r) => r.name === 'auth-credentials@consulcatalog')?.middlewares).toEqual(['credentials@file']);
  });

  it('lists every service as passing in Consul', async () => {
    for (const s of services) {
      const { body } = await getJson<unknown[]>(
        `${stack.consulUrl}/v1/health/service/${s.name}?passing=true`,
        consulHeaders,
      );
      expect(body.length, `${s.name} passing instances`).toBeGreaterThan(0);
    }
  });

  it.each(services)('answers $prefix/health with 200 and every dependency check passing', async (s) => {
    const { status, body } = await getJson<{ status: string; checks: Record<string, { status: string }> }>(
      `${stack.gatewayUrl}${s.prefix}/health`,
    );
    expect(status).toBe(200);
    expect(body.status).toBe('pass');
    expect(Object.keys(body.checks).sort()).toEqual([...s.checks].sort());
  });

  it.each(services)('answers an unknown path under $prefix with the JSON error shape', async (s) => {
    const res = await fetch(`${stack.gatewayUrl}${s.prefix}/no-such-thing/at-all`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it.each(services.filter((s) => s.access === 'protected'))(
    'keeps $prefix behind forward-auth but its health public',
    async (s) => {
      const closed = await fetch(`${stack.gatewayUrl}${s.prefix}/anything`);
      expect(closed.status).toBe(401);
      expect(await closed.json()).toMatchObject({ error: { code: 'unauthorized' } });
      expect((await fetch(`${stack.gatewayUrl}${s.prefix}/health`)).status).toBe(200);
    },
  );

  it('answers paths no service claims with the JSON 404, also those that only normalize to one', async () => {
    for (const path of ['/api/nobody-here', '/index.html', '/api/posts/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await fetch(`${stack.gatewayUrl}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json(), path).toEqual({ error: { code: 'not_found', message: 'no route for this path' } });
    }
  });

  it("sends the site's root, and the web client's prefix with a slash, to the client's page", async () => {
    for (const [path, location] of [
      ['/', '/app'],
      ['/app/', '/app'],
      ['/?from=somewhere', '/app?from=somewhere'],
    ]) {
      const res = await fetch(`${stack.gatewayUrl}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(302);
      expect(new URL(res.headers.get('location')!, stack.gatewayUrl).href, path).toBe(`${stack.gatewayUrl}${location}`);
    }
    const page = await fetch(`${stack.gatewayUrl}/app`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it.each(services)('serves the OpenAPI document of $prefix without a token, with the bearer scheme', async (s) => {
    const { status, body } = await getJson<{ openapi: string; components: { securitySchemes: unknown } }>(
      `${stack.gatewayUrl}${s.prefix}/openapi.json`,
    );
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(body.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
    });
  });
});

describe("the gateway's forward-auth check", () => {
  const checker = forwardAuthService();
  const path = checker.prefix + checker.forwardAuth;

  it('is asked of the checking service at its own address, not through a gateway route', async () => {
    const { body } = await getJson<{ forwardAuth: { address: string } }>(
      `${stack.traefikApiUrl}/api/http/middlewares/forward-auth@file`,
    );
    expect(body.forwardAuth.address).toBe(`${serviceUrl(checker.name)}${path}`);
  });

  it('is not reachable through the gateway: a valid token gets the JSON 404 and no identity', async () => {
    for (const method of ['GET', 'HEAD', 'POST']) {
      const res = await fetch(`${stack.gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${user.token}` },
      });
      expect(res.status, method).toBe(404);
      expect(res.headers.get('x-user-id'), method).toBeNull();
      expect(res.headers.get('x-identity-assertion'), method).toBeNull();
      if (method !== 'HEAD')
        expect(await res.json(), method).toEqual({ error: { code: 'not_found', message: 'no route for this path' } });
    }
  });
});
