import { createApp, identityAssertions, identityKeyRing } from '@feedmesh/common';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { postRoutes } from '../src/routes.js';
import type { PostStore } from '../src/store.js';

describe('the posts OpenAPI document', () => {
  it('documents the listing cursor as opaque, in both directions, with the form it is checked against', async () => {
    const app = createApp({
      service: 'posts-service',
      logger: pino({ level: 'silent' }),
      instance: 't',
      checks: { mongodb: async () => undefined, kafka: async () => undefined },
      assertions: identityAssertions((await identityKeyRing('1'.repeat(64))).keys),
      routes: postRoutes({ store: {} as PostStore }),
    });
    const doc = (await (await app.request('/api/posts/openapi.json')).json()) as {
      paths: Record<string, { get: { parameters: Array<{ name: string; description?: string; schema: object }> } }>;
      components: { schemas: { PostPage: { properties: { next: { description?: string; pattern?: string } } } } };
    };
    const before = doc.paths['/api/posts']?.get.parameters.find((p) => p.name === 'before');
    expect(before?.description).toMatch(/^Opaque/);
    expect(before?.schema).toMatchObject({ type: 'string', pattern: '^[A-Za-z0-9_-]{8}$' });
    const next = doc.components.schemas.PostPage.properties.next;
    expect(next.description).toMatch(/^Opaque/);
    expect(next.pattern).toBe('^[A-Za-z0-9_-]{8}$');
  });
});
