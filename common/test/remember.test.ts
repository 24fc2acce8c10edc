import { describe, expect, it } from 'vitest';
import { remember } from '../src/remember.js';

describe('remember', () => {
  it('keeps at most `max` entries, forgetting the one set longest ago', () => {
    const map = new Map<string, number>();
    remember(map, 'a', 1, 2);
    remember(map, 'b', 2, 2);
    remember(map, 'a', 3, 2); // set again: now the newest
    remember(map, 'c', 4, 2);
    expect([...map]).toEqual([
      ['a', 3],
      ['c', 4],
    ]);
  });
});
