import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalUserId, queryInt, text, trimmedText, visibleText } from '../src/validation.js';

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

  it.each(['', '   ', '\ufeff', '\u001c', '\u0085\u00a0', '\u200b\u202e', 'a\u0000', '123456'])('refuses %j', (s) => {
    expect(trimmedText(5).safeParse(s).success).toBe(false);
  });
});

describe('visibleText', () => {
  it('keeps the string as sent, surrounding whitespace included', () => {
    expect(visibleText(20).parse('  a\n  b ')).toBe('  a\n  b ');
  });

  it.each([
    ['eight spaces', '        '],
    ['tabs and newlines', '\t\n\r\n'],
    ['zero-width characters', '\u200b\u200c\u200d\u2060'],
    ['bidi overrides and isolates', '\u202e\u202d\u2066\u2069'],
    ['a soft hyphen and a Hangul filler', '\u00ad\u3164'],
    ['tag characters outside the BMP', '\u{e0041}\u{e0042}'],
  ])('refuses %s', (_, s) => {
    expect(visibleText(20).safeParse(s).success).toBe(false);
  });

  it('keeps a visible character among invisible ones', () => {
    expect(visibleText(20).parse('\u202ea\u202c')).toBe('\u202ea\u202c');
  });

  it('documents a pattern that accepts exactly the characters of the BMP it accepts (what a fuzzer reads)', () => {
    const schema = visibleText(20);
    const pattern = new RegExp((z.toJSONSchema(schema) as { pattern: string }).pattern);
    const disagree: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // lone surrogates: refused apart, as not well-formed
      const ch = String.fromCodePoint(cp);
      if (pattern.test(ch) !== schema.safeParse(ch).success) disagree.push(cp.toString(16));
    }
    expect(disagree).toEqual([]);
  });
});

describe('canonicalUserId', () => {
  it('lower-cases a UUID written in any case', () => {
    expect(canonicalUserId('0B6E3C8A-1F2D-4E5B-9A7C-ABCDEF012345')).toBe('0b6e3c8a-1f2d-4e5b-9a7c-abcdef012345');
  });

  it.each(['Alice', 'x', '0B6E3C8A1F2D4E5B9A7CABCDEF012345'])('leaves %j, which is no UUID, as it is', (s) => {
    expect(canonicalUserId(s)).toBe(s);
  });
});
