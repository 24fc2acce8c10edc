import { describe, expect, it } from 'vitest';
import { toCursor } from '@feedmesh/common';
import { createPostBody, listPostsQuery, postId, updatePostBody } from '../src/schemas.js';

describe('createPostBody', () => {
  it('trims the title, de-duplicates tags and defaults them to none', () => {
    expect(createPostBody.parse({ title: ' Hi ', content: 'x', tags: ['a', 'a', 'b'] })).toEqual({
      title: 'Hi',
      content: 'x',
      tags: ['a', 'b'],
    });
    expect(createPostBody.parse({ title: 'Hi', content: 'x' }).tags).toEqual([]);
  });

  it.each([
    ['an empty title', { title: '', content: 'x' }, 'title'],
    ['a title over 200 characters', { title: 't'.repeat(201), content: 'x' }, 'title'],
    ['content over 10 000 characters', { title: 't', content: 'c'.repeat(10_001) }, 'content'],
    ['more than 10 tags', { title: 't', content: 'c', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags'],
    ['a tag over 32 characters', { title: 't', content: 'c', tags: ['x'.repeat(33)] }, 'tags.0'],
    ['an operator object as the title', { title: { $gt: '' }, content: 'c' }, 'title'],
    ['an operator object as a tag', { title: 't', content: 'c', tags: [{ $ne: null }] }, 'tags.0'],
    ['an author field', { title: 't', content: 'c', author_id: 'someone' }, ''],
  ])('rejects %s', (_, body, path) => {
    const r = createPostBody.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('updatePostBody', () => {
  it('takes a subset and refuses an empty change', () => {
    expect(updatePostBody.parse({ content: 'new' })).toEqual({ content: 'new' });
    expect(updatePostBody.safeParse({}).success).toBe(false);
  });
});

describe('listPostsQuery', () => {
  it('defaults to 20 from the start', () => {
    expect(listPostsQuery.parse({})).toEqual({ limit: 20, skip: 0 });
  });

  it('takes a cursor back as the place it stands for', () => {
    expect(listPostsQuery.parse({ before: toCursor(120) })).toEqual({ limit: 20, skip: 0, before: 120 });
  });

  it.each([
    { limit: '0' },
    { limit: '101' },
    { limit: 'ten' },
    { skip: '-1' },
    { skip: '1001' },
    { sort: 'x' },
    { before: '120' },
    { before: 'not a cursor' },
  ])('rejects %o', (q) => {
    expect(listPostsQuery.safeParse(q).success).toBe(false);
  });
});

describe('postId', () => {
  it('accepts ObjectId hex only', () => {
    expect(postId.safeParse('6b0137298939da413a9401d3').success).toBe(true);
    for (const bad of ['6B0137298939DA413A9401D3', '../../etc/passwd', "' OR 1=1", '123'])
      expect(postId.safeParse(bad).success).toBe(false);
  });
});
