import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@feedmesh/common';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { listAssets } from '../src/assets.js';
import { clientRoutes } from '../src/routes.js';

// A built client of a few bytes, with what must never be served beside it.
const dir = mkdtempSync(join(tmpdir(), 'web-client-'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(dir, 'app.js'), 'console.log(1);');
writeFileSync(join(dir, 'style.css'), 'body{}');
writeFileSync(join(dir, '.env'), 'SECRET=1');
mkdirSync(join(dir, 'sub'));
writeFileSync(join(dir, 'sub', 'inner.js'), '');
writeFileSync(join(dir, '..', 'package.json'), '{}');

const app = createApp({
  service: 'web-client',
  logger: pino({ level: 'silent' }),
  instance: 'i-1',
  checks: {},
  routes: clientRoutes(listAssets(dir)),
});

describe('web-client', () => {
  it('serves the page at /app, typed, revalidated on every load', async () => {
    const res = await app.request('/app');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await res.text()).toContain('<title>t</title>');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.request('/app', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it.each([
    ['app.js', /^text\/javascript/],
    ['style.css', /^text\/css/],
    ['index.html', /^text\/html/],
  ])('serves /app/%s as %s', async (file, type) => {
    const res = await app.request(`/app/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(type);
    const head = await app.request(`/app/${file}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it.each([
    '/app/missing.js',
    // The gateway redirects it to /app; the service itself has only the one path for the page.
    '/app/',
    '/app/.env',
    '/app/sub',
    '/app/sub/inner.js',
    '/app/../package.json',
    '/app/%2e%2e/package.json',
    '/app/..%2fpackage.json',
    '/app/%2e%2e%2fpackage.json',
    '/app/%2E%2E%5Cpackage.json',
    '/app/app.js%00.css',
    '/app/.%2e/.%2e/etc/passwd',
  ])('answers %s with the JSON 404 and nothing of the file system', async (path) => {
    const res = await app.request(path);
    expect(res.status, path).toBe(404);
    expect(await res.json(), path).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers other methods with 405, and serves health and its document', async () => {
    const res = await app.request('/app/app.js', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await app.request('/app/health')).status).toBe(200);
    type Doc = { paths: Record<string, { get: { responses: Record<string, { content?: object }> } }> };
    const doc = (await (await app.request('/app/openapi.json')).json()) as Doc;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/app', '/app/{file}']));
    // Files, not JSON: each media type, no schema; the 404 in the one error shape.
    expect(Object.keys(doc.paths['/app']!.get.responses['200']!.content!)).toEqual(['text/html']);
    expect(doc.paths['/app/{file}']!.get.responses['200']!.content).toMatchObject({ 'text/css': {} });
    expect(doc.paths['/app/{file}']!.get.responses['404']!.content).toHaveProperty('application/json');
  });

  it('asks the gateway for its prefix, public', () => {
    expect(app.routers).toEqual([{ router: 'web-client', rule: 'PathPrefix(`/app`)', middlewares: ['public@file'] }]);
  });
});
