import { describe, expect, it } from 'vitest';
import { cursorParam, scoredCursorParam, toCursor, toScoredCursor } from '../src/cursor.js';

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

describe('scored cursors (a score, then an id)', () => {
  it('stand for the place they were made from', () => {
    for (const place of [
      { score: 0, id: 'a' },
      { score: 1_767_225_600_000, id: '65a1f0c2e4b0a1b2c3d4e5f6' },
      { score: 2 ** 48 - 1, id: 'ü-ß' },
    ]) {
      expect(scoredCursorParam.parse(toScoredCursor(place))).toEqual(place);
    }
  });

  it('are every string of their documented form, and never one of version 1', () => {
    for (const cursor of ['AAAAAAAAA', '_'.repeat(256), 'Zz09-_aBcdefgh']) {
      expect(scoredCursorParam.safeParse(cursor).success, cursor).toBe(true);
    }
    expect(scoredCursorParam.safeParse(toCursor(5)).success).toBe(false);
    expect(cursorParam.safeParse(toScoredCursor({ score: 5, id: 'x' })).success).toBe(false);
  });

  it.each(['', 'AAAAAAAA', '_'.repeat(257), 'AAAA+AAAAA', 'AAAA=AAAAA', ' AAAAAAAAA'])('refuses %j', (cursor) => {
    const r = scoredCursorParam.safeParse(cursor);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/^not a cursor/);
  });
});
