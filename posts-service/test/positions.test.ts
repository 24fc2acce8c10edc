import { describe, expect, it } from 'vitest';
import { listingOf, PAGE_SIZE, pageOf, positionFields } from '../src/positions.js';

describe('listing positions', () => {
  it('puts PAGE_SIZE consecutive positions on a page', () => {
    expect(pageOf(PAGE_SIZE - 1)).toBe(0);
    expect(pageOf(PAGE_SIZE)).toBe(1);
    expect(positionFields('ann', 2 * PAGE_SIZE + 3, 7)).toEqual({
      seq: 2 * PAGE_SIZE + 3,
      page: 2,
      author_seq: 7,
      author_page: 'ann:0',
    });
  });

  it('pages the global listing by `page` and an author by `author_page`', () => {
    expect(listingOf(undefined).filter(4)).toEqual({ page: 4 });
    expect(listingOf('ann').filter(4)).toEqual({ author_page: 'ann:4' });
    expect(listingOf('ann').order).toBe('author_seq');
  });
});
