import { describe, expect, it } from 'vitest';
import { getJson, stack } from './support/stack.js';

const services = [
  { name: 'auth-service', router: 'auth', prefix: '/api/auth', checks: ['postgres'] },
  { name: 'profile-service', router: 'profile', prefix: '/api/profile', checks: ['postgres'] },
  { name: 'posts-service', router: 'posts', prefix: '/api/posts', checks: ['mongodb', 'kafka'] },
  { name: 'feed-service', router: 'feed', prefix: '/api/activity-stream', checks: ['redis', 'kafka'] },
];

interface Router {
  name: string;
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
      expect(router).toMatchObject({ status: 'enabled', rule: `PathPrefix(\`${s.prefix}\`)` });
    }
  });

  it('lists every service as passing in Consul', async () => {
    for (const s of services) {
      const { body } = await getJson<unknown[]>(`${stack.consulUrl}/v1/health/service/${s.name}?passing=true`);
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
    const { status, body } = await getJson(`${stack.gatewayUrl}${s.prefix}/no-such-thing/at-all`);
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { code: 'not_found' } });
  });

  it('does not route paths no service claims', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/nobody-here`);
    expect(res.status).toBe(404);
  });
});
