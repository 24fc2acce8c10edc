import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pino } from 'pino';
import { apiRoute, operation, OpenAPIHono } from '../src/openapi.js';
import { createBaseApp } from '../src/service.js';

function testApp() {
  const app = createBaseApp({
    logger: pino({ level: 'silent' }),
    instance: 'i-1',
    pathPrefix: '/api/things',
    checks: {},
    api: { title: 't', description: 'd' },
  });
  const things = new OpenAPIHono();
  const thing = z.object({ id: z.string() });
  const params = z.object({ id: z.string() });
  const get = apiRoute({
    method: 'get',
    path: '/{id}',
    summary: 'A thing',
    bearer: true,
    params,
    ok: { status: 200, description: 'A thing', schema: thing },
    errors: [404],
  });
  operation(things, get, (c) => c.json({ id: c.req.param('id') ?? '' }));
  operation(
    things,
    apiRoute({ method: 'delete', path: '/{id}', summary: 'Gone', params, ok: { status: 204, description: 'Gone' } }),
    (c) => c.body(null, 204),
  );
  app.route('/api/things', things);
  return app;
}

describe('the OpenAPI document of a service', () => {
  it('is served under the prefix with every operation, the bearer scheme and the error shape', async () => {
    const res = await testApp().request('/api/things/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
      components: { securitySchemes: unknown; schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/things/health',
      '/api/things/health/live',
      '/api/things/{id}',
    ]);
    expect(doc.paths['/api/things/{id}']?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(doc.paths['/api/things/{id}']?.get?.responses ?? {})).toEqual(['200', '401', '404']);
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    expect(doc.components.schemas.Error).toBeDefined();
  });

  it('mounts each operation on its documented method and path', async () => {
    const res = await testApp().request('/api/things/abc');
    expect(await res.json()).toEqual({ id: 'abc' });
  });
});

describe('methods a documented path does not have', () => {
  it('answer 405 JSON with the Allow header', async () => {
    const res = await testApp().request('/api/things/abc', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, DELETE, HEAD');
    expect(await res.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });

  it('are judged by a literal path before a template that also matches it', async () => {
    const res = await testApp().request('/api/things/health', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('leave unknown paths to the 404', async () => {
    expect((await testApp().request('/api/other', { method: 'PUT' })).status).toBe(404);
  });
});
