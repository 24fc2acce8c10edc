import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXACT_PATH_PRIORITY, GATEWAY_TAG, gatewayRouters, traefikTags, type Routed } from '../src/gateway.js';

describe('traefikTags', () => {
  it('opts the service in and declares each router on the web entry point', () => {
    expect(
      traefikTags([{ router: 'posts', rule: 'PathPrefix(`/api/posts`)', middlewares: ['protected@file'] }]),
    ).toEqual([
      GATEWAY_TAG,
      'traefik.enable=true',
      'traefik.http.routers.posts.rule=PathPrefix(`/api/posts`)',
      'traefik.http.routers.posts.entrypoints=web',
      'traefik.http.routers.posts.middlewares=protected@file',
    ]);
  });

  it('carries an explicit priority', () => {
    expect(traefikTags([{ router: 'me', rule: 'Path(`/api/auth/me`)', priority: 7 }])).toContain(
      'traefik.http.routers.me.priority=7',
    );
  });

  it('carries the one tag the gateway is constrained to (api_gateway/traefik.yml)', () => {
    const traefik = readFileSync(new URL('../../api_gateway/traefik.yml', import.meta.url), 'utf8');
    const constraints = [...traefik.matchAll(/^\s*constraints:\s*(.+)$/gm)].map((m) => m[1]);
    expect(constraints).toEqual([`"Tag(\`${GATEWAY_TAG}\`)"`]);
  });
});

const open = ['/health', '/health/live', '/openapi.json'];
const routers = (prefix: string, operations: Routed[]) =>
  gatewayRouters({ name: 'things-service', prefix, operations, open });

describe('the gateway routers of a service, from its operations', () => {
  it('put a prefix whose every operation is for a user behind forward-auth, its health and document public', () => {
    expect(
      routers('/api/things', [
        { method: 'get', path: '/', access: 'user' },
        { method: 'put', path: '/{id}', access: 'user' },
      ]),
    ).toEqual([
      { router: 'things', rule: 'PathPrefix(`/api/things`)', middlewares: ['protected@file'] },
      {
        router: 'things-public',
        rule: 'Path(`/api/things/health`) || Path(`/api/things/health/live`) || Path(`/api/things/openapi.json`)',
        middlewares: ['public@file'],
        priority: EXACT_PATH_PRIORITY,
      },
    ]);
  });

  it('leave a mixed prefix open, carving out one router per other access', () => {
    expect(
      routers('/api/things', [
        { method: 'post', path: '/login', access: 'credentials' },
        { method: 'post', path: '/register', access: 'credentials' },
        { method: 'get', path: '/validate', access: 'forwardAuth' },
        { method: 'get', path: '/me', access: 'user' },
        { method: 'get', path: '/{id}', access: 'public' },
      ]),
    ).toEqual([
      { router: 'things', rule: 'PathPrefix(`/api/things`)', middlewares: ['public@file'] },
      {
        router: 'things-credentials',
        rule: 'Path(`/api/things/login`) || Path(`/api/things/register`)',
        middlewares: ['credentials@file'],
        priority: EXACT_PATH_PRIORITY,
      },
      {
        router: 'things-forwardAuth',
        rule: 'Path(`/api/things/validate`)',
        middlewares: ['unreachable@file'],
        priority: EXACT_PATH_PRIORITY,
      },
      {
        router: 'things-user',
        rule: 'Path(`/api/things/me`)',
        middlewares: ['protected@file'],
        priority: EXACT_PATH_PRIORITY,
      },
    ]);
  });

  it('carve out a path per method when its methods differ in access', () => {
    const [, carved] = routers('/api/things', [
      { method: 'get', path: '/{id}', access: 'public' },
      { method: 'put', path: '/{id}', access: 'user' },
      { method: 'get', path: '/mine', access: 'user' },
    ]);
    expect(carved).toMatchObject({ router: 'things-user', middlewares: ['protected@file'] });
    expect(carved?.rule).toBe(
      '((PathRegexp(`^/api/things/[^/]+$`) && !Path(`/api/things/health`) && !Path(`/api/things/openapi.json`) && ' +
        '!Path(`/api/things/mine`)) && (Method(`PUT`))) || Path(`/api/things/mine`)',
    );
  });

  it('never let a carved-out template claim a literal path declared beside it', () => {
    const [, carved] = routers('/api/things', [
      { method: 'get', path: '/popular', access: 'public' },
      { method: 'get', path: '/{userId}', access: 'user' },
      { method: 'get', path: '/x/{a}/y', access: 'user' },
    ]);
    expect(carved?.rule).toBe(
      '(PathRegexp(`^/api/things/[^/]+$`) && !Path(`/api/things/health`) && !Path(`/api/things/openapi.json`) && ' +
        '!Path(`/api/things/popular`)) || PathRegexp(`^/api/things/x/[^/]+/y$`)',
    );
  });
});
