import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../src/app.js';
import { identityAssertions } from '../src/identity.js';
import { identityKeyRing } from '../src/identity-keys.js';
import { route } from '../src/operation.js';

const thing = z.object({ id: z.string() });
const params = z.object({ id: z.string().regex(/^t\d+$/) });

const assertions = identityAssertions((await identityKeyRing('1'.repeat(64))).keys);

function testApp() {
  return createApp({
    service: 'posts-service',
    logger: pino({ level: 'silent' }),
    instance: 'i-1',
    checks: {},
    assertions,
    routes: [
      route(
        {
          method: 'get',
          path: '/{id}',
          access: 'user',
          summary: 'A thing',
          params,
          notFound: 'no such thing',
          ok: { status: 200, description: 'A thing', schema: thing },
        },
        (c) => c.json({ id: c.req.valid('param').id }),
      ),
      route(
        {
          method: 'delete',
          path: '/{id}',
          access: 'public',
          summary: 'Gone',
          params,
          notFound: 'no such thing',
          ok: { status: 204, description: 'Gone' },
        },
        (c) => c.body(null, 204),
      ),
      route(
        {
          method: 'post',
          path: '/login',
          access: 'credentials',
          summary: 'In',
          body: thing,
          ok: { status: 200, description: 'In' },
        },
        (c) => c.body(null, 200),
      ),
      route(
        {
          method: 'get',
          path: '/check',
          access: 'forwardAuth',
          summary: 'The gateway asks',
          ok: { status: 200, description: 'Vouched' },
        },
        (c) => c.body(null, 200),
      ),
    ],
  });
}

interface Doc {
  info: { title: string; description: string };
  paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
  components: { securitySchemes: unknown; schemas: Record<string, unknown> };
}

describe('the OpenAPI document of a service', () => {
  it('is served under the prefix with every operation, the bearer scheme and the error shape', async () => {
    const res = await testApp().request('/api/posts/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.info.title).toBe('feedmesh posts-service');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/posts/health',
      '/api/posts/health/live',
      '/api/posts/login',
      '/api/posts/{id}',
    ]);
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    expect(doc.components.schemas.Error).toBeDefined();
  });

  it('puts user operations under the bearer scheme and lists the statuses their input and access imply', async () => {
    const doc = (await (await testApp().request('/api/posts/openapi.json')).json()) as Doc;
    const byId = doc.paths['/api/posts/{id}'];
    expect(byId?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(byId?.get?.responses ?? {})).toEqual(['200', '401', '404']);
    expect(byId?.delete?.security).toBeUndefined();
    expect(Object.keys(byId?.delete?.responses ?? {})).toEqual(['204', '404']);
    const login = doc.paths['/api/posts/login']?.post;
    expect(login?.security).toBeUndefined();
    expect(Object.keys(login?.responses ?? {})).toEqual(['200', '400', '413', '415', '429']);
  });

  it('mounts each operation on its documented method and path', async () => {
    expect((await testApp().request('/api/posts/t1', { method: 'DELETE' })).status).toBe(204);
  });

  it("leaves out the gateway's forward-auth check, which no client can reach, and still serves it", async () => {
    const doc = (await (await testApp().request('/api/posts/openapi.json')).json()) as Doc;
    expect(doc.paths).not.toHaveProperty('/api/posts/check');
    // Served: without a bearer token its access answers 401, not the 404 of an unknown path.
    expect((await testApp().request('/api/posts/check')).status).toBe(401);
  });
});

describe('methods a documented path does not have', () => {
  it('answer 405 JSON with the Allow header', async () => {
    const res = await testApp().request('/api/posts/t1', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, DELETE, HEAD');
    expect(await res.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });

  it('are judged by a literal path before a template that also matches it', async () => {
    // DELETE /{id} would take it otherwise: a path that only looks like an id.
    const res = await testApp().request('/api/posts/health', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('leave unknown paths to the 404', async () => {
    expect((await testApp().request('/api/other', { method: 'PUT' })).status).toBe(404);
  });
});
