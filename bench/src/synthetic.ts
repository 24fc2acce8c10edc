import { randomUUID } from 'node:crypto';
import type { PostEvent } from '@feedmesh/common';

const BASE = Date.parse('2025-01-01T00:00:00Z');

/**
 * The `n`th post of a benchmark's synthetic feed, by `author`, as the
 * producer would publish its creation: a second after the one before it,
 * with an id of its own derived from `n`, 200 characters of content.
 */
export function syntheticPost(n: number, author: string): PostEvent {
  const time = new Date(BASE + n * 1000).toISOString();
  return {
    id: randomUUID(),
    schema_version: 1,
    type: 'post.created',
    time,
    actor: author,
    data: {
      id: n.toString(16).padStart(24, '0'),
      author_id: author,
      title: `post ${n}`,
      content: 'x'.repeat(200),
      tags: ['bench'],
      created_at: time,
      updated_at: time,
      version: 1,
    },
  };
}
