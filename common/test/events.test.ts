import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { postEvent, socialEvent } from '../src/events.js';

const now = new Date().toISOString();
const post = {
  id: 'p1',
  author_id: 'u1',
  title: 'T',
  content: 'C',
  tags: ['a'],
  created_at: now,
  updated_at: now,
  version: 1,
};
const base = { id: randomUUID(), schema_version: 1, time: now, actor: 'u1' };

describe('postEvent', () => {
  it('accepts the three kinds of change', () => {
    expect(postEvent.parse({ ...base, type: 'post.created', data: post }).type).toBe('post.created');
    expect(postEvent.parse({ ...base, type: 'post.updated', data: { ...post, version: 2 } }).type).toBe('post.updated');
    expect(
      postEvent.parse({ ...base, type: 'post.deleted', data: { id: 'p1', author_id: 'u1', version: 3 } }).type,
    ).toBe('post.deleted');
  });

  it.each([
    ['an unknown type', { ...base, type: 'post.liked', data: post }],
    ['a schema version it does not know', { ...base, schema_version: 2, type: 'post.created', data: post }],
    ['an event id that is not a uuid', { ...base, id: '42', type: 'post.created', data: post }],
    ['a created event without the post', { ...base, type: 'post.created', data: { id: 'p1' } }],
    ['a version of zero', { ...base, type: 'post.created', data: { ...post, version: 0 } }],
    ['a time that is not ISO 8601', { ...base, time: 'yesterday', type: 'post.created', data: post }],
  ])('rejects %s', (_, event) => {
    expect(postEvent.safeParse(event).success).toBe(false);
  });
});

describe('socialEvent', () => {
  const pair = { follower_id: randomUUID(), followee_id: randomUUID(), version: 1 };

  it('accepts a follow and an unfollow of a pair', () => {
    expect(socialEvent.parse({ ...base, type: 'user.followed', data: pair }).data).toEqual(pair);
    expect(socialEvent.parse({ ...base, type: 'user.unfollowed', data: { ...pair, version: 2 } }).type).toBe(
      'user.unfollowed',
    );
  });

  it.each([
    ['an unknown type', { ...base, type: 'user.blocked', data: pair }],
    ['a schema version it does not know', { ...base, schema_version: 2, type: 'user.followed', data: pair }],
    ['a change without its version', { ...base, type: 'user.followed', data: { ...pair, version: undefined } }],
    ['a follower that is not a user id', { ...base, type: 'user.followed', data: { ...pair, follower_id: 'ann' } }],
    ['a post event', { ...base, type: 'post.deleted', data: { id: 'p1', author_id: 'u1', version: 3 } }],
  ])('rejects %s', (_, event) => {
    expect(socialEvent.safeParse(event).success).toBe(false);
  });
});
