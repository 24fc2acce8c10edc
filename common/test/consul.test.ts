import { describe, expect, it } from 'vitest';
import { EXACT_PATH_PRIORITY, paths, serviceRoutes, traefikTags } from '../src/consul.js';

describe('traefikTags', () => {
  it('opts the service in and declares each router on the web entry point', () => {
    expect(
      traefikTags([{ router: 'posts', rule: 'PathPrefix(`/api/posts`)', middlewares: ['protected@file'] }]),
    ).toEqual([
      'traefik.enable=true',
      'traefik.http.routers.posts.rule=PathPrefix(`/api/posts`)',
      'traefik.http.routers.posts.entrypoints=web',
      'traefik.http.routers.posts.middlewares=protected@file',
    ]);
  });

  it('carries an explicit priority', () => {
    expect(traefikTags([{ router: 'me', rule: paths('/api/auth/me'), priority: 7 }])).toContain(
      'traefik.http.routers.me.priority=7',
    );
  });
});

describe('serviceRoutes', () => {
  it('puts a protected prefix behind forward-auth but keeps its health routes and OpenAPI document public', () => {
    const routes = serviceRoutes({ router: 'profile', prefix: '/api/profile', access: 'protected' });
    expect(routes).toEqual([
      { router: 'profile', rule: 'PathPrefix(`/api/profile`)', middlewares: ['protected@file'] },
      {
        router: 'profile-public',
        rule: 'Path(`/api/profile/health`) || Path(`/api/profile/health/live`) || Path(`/api/profile/openapi.json`)',
        middlewares: ['public@file'],
        priority: EXACT_PATH_PRIORITY,
      },
    ]);
  });
});
