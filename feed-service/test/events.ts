// Events as the producers publish them, for the store's tests: posts a second apart, in the order made.
import { randomUUID } from 'node:crypto';
import type { PostEvent, SocialEvent } from '@feedmesh/common';

let clock = Date.parse('2026-01-01T00:00:00Z');
const at = () => new Date((clock += 1000)).toISOString();
type Created = Extract<PostEvent, { type: 'post.created' }>;
export const created = (author: string, title = 't'): Created => createdAt(author, title, at());
/** A creation at a given time, with a given post id. */
export function createdAt(
  author: string,
  title: string,
  time: string,
  id = randomUUID().replaceAll('-', '').slice(0, 24),
): Created {
  return {
    id: randomUUID(),
    schema_version: 1,
    type: 'post.created',
    time,
    actor: author,
    data: {
      id,
      author_id: author,
      title,
      content: 'c',
      tags: [],
      created_at: time,
      updated_at: time,
      version: 1,
    },
  };
}
export function updated(e: PostEvent, title: string, version = e.data.version + 1): PostEvent {
  if (e.type === 'post.deleted') throw new Error('cannot update a deletion');
  return {
    ...e,
    id: randomUUID(),
    type: 'post.updated',
    time: at(),
    data: { ...e.data, title, version, updated_at: at() },
  };
}
export function deleted(e: PostEvent, version = e.data.version + 1): PostEvent {
  return {
    id: randomUUID(),
    schema_version: 1,
    type: 'post.deleted',
    time: at(),
    actor: e.actor,
    data: { id: e.data.id, author_id: e.data.author_id, version },
  };
}
export function follow(
  follower: string,
  followee: string,
  version: number,
  type: SocialEvent['type'] = 'user.followed',
): SocialEvent {
  return {
    id: randomUUID(),
    schema_version: 1,
    type,
    time: at(),
    actor: follower,
    data: { follower_id: follower, followee_id: followee, version },
  };
}
export const unfollow = (follower: string, followee: string, version: number) =>
  follow(follower, followee, version, 'user.unfollowed');
