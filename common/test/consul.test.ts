import { describe, expect, it } from 'vitest';
import { traefikTags } from '../src/consul.js';

describe('traefikTags', () => {
  it('opts the service in and routes its path prefix on the web entry point', () => {
    expect(traefikTags({ router: 'posts', pathPrefix: '/api/posts' })).toEqual([
      'traefik.enable=true',
      'traefik.http.routers.posts.rule=PathPrefix(`/api/posts`)',
      'traefik.http.routers.posts.entrypoints=web',
    ]);
  });

  it('attaches middlewares when given', () => {
    const tags = traefikTags({ router: 'profile', pathPrefix: '/api/profile', middlewares: ['auth@file', 'api-headers@file'] });
    expect(tags).toContain('traefik.http.routers.profile.middlewares=auth@file,api-headers@file');
  });
});
