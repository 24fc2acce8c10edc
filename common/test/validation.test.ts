import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queryInt, text, trimmedText } from '../src/validation.js';

describe('queryInt', () => {
  const query = z.strictObject({ limit: queryInt(1, 100, 20) });

  it('reads digits as the number and fills in the default when absent', () => {
    expect(query.parse({ limit: '7' })).toEqual({ limit: 7 });
    expect(query.parse({})).toEqual({ limit: 20 });
  });

  it.each(['', ' 5', '5 ', '1e2', '0x10', '-1', '+5', '2.5', 'ten', '0', '101', '99999999999999999999'])(
    'refuses %j',
    (limit) => {
      expect(query.safeParse({ limit }).success).toBe(false);
    },
  );
});

describe('text', () => {
  it('keeps any well-formed string, emoji included', () => {
    expect(text().parse('a 😀 \u00e9')).toBe('a 😀 \u00e9');
  });

  it.each(['a\u0000b', 'lone \ud800 high', 'lone \udc00 low'])(
    'refuses %j, which a store could not keep exactly',
    (s) => {
      expect(text().safeParse(s).success).toBe(false);
    },
  );
});

describe('trimmedText', () => {
  it('stores the trimmed string', () => {
    expect(trimmedText(5).parse(' ab ')).toBe('ab');
  });

  it.each(['', '   ', '\ufeff', '\u001c', '\u0085\u00a0', 'a\u0000', '123456'])('refuses %j', (s) => {
    expect(trimmedText(5).safeParse(s).success).toBe(false);
  });
});
