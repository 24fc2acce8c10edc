import { describe, expect, it } from 'vitest';
import { cursorParam, toCursor } from '../src/cursor.js';

describe('listing cursors', () => {
  it('stand for the place they were made from', () => {
    for (const place of [1, 2, 50, 51, 1_000_000, 2 ** 48 - 1]) expect(cursorParam.parse(toCursor(place))).toBe(place);
    expect(toCursor(1)).toMatch(/^[A-Za-z0-9_-]{8}$/);
  });

  it('are every string of their documented form, so nothing that matches it is refused', () => {
    for (const cursor of ['AAAAAAAA', '________', 'Zz09-_aB', 'abcdefgh']) {
      expect(cursorParam.safeParse(cursor).success, cursor).toBe(true);
    }
  });

  it.each([
    '',
    '12',
    '0',
    'AAAAAAA',
    'AAAAAAAAA',
    'AAAA+AAA',
    'AAAA/AAA',
    'AAAA=AAA',
    'AAAAAAA=',
    ' AAAAAAA',
    'ÄAAAAAAA',
  ])('refuses %j', (cursor) => {
    const r = cursorParam.safeParse(cursor);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/^not a cursor/);
  });
});
