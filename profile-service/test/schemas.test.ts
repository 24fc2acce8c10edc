import { describe, expect, it } from 'vitest';
import { createProfileBody, updateProfileBody } from '../src/schemas.js';

describe('createProfileBody', () => {
  it('needs a display name and accepts http(s) links', () => {
    const body = { display_name: ' Ada ', website: 'https://ada.example', avatar_url: 'http://img.example/a.png' };
    expect(createProfileBody.parse(body).display_name).toBe('Ada');
  });

  it.each([
    ['no display name', { bio: 'x' }, 'display_name'],
    ['a blank display name', { display_name: '   ' }, 'display_name'],
    ['a display name over 64 characters', { display_name: 'a'.repeat(65) }, 'display_name'],
    ['a bio over 500 characters', { display_name: 'A', bio: 'b'.repeat(501) }, 'bio'],
    ['a javascript: website', { display_name: 'A', website: 'javascript:alert(1)' }, 'website'],
    ['a data: avatar', { display_name: 'A', avatar_url: 'data:image/png;base64,AAAA' }, 'avatar_url'],
    ['an ftp: website', { display_name: 'A', website: 'ftp://files.example' }, 'website'],
    ['a location that is not a string', { display_name: 'A', location: { $ne: null } }, 'location'],
    ['an unknown field', { display_name: 'A', user_id: 'someone-else' }, ''],
  ])('rejects %s', (_, body, path) => {
    const result = createProfileBody.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('updateProfileBody', () => {
  it('takes any subset, with null clearing an optional field', () => {
    expect(updateProfileBody.parse({ bio: null })).toEqual({ bio: null });
  });

  it('refuses an empty change and a null display name', () => {
    expect(updateProfileBody.safeParse({}).success).toBe(false);
    expect(updateProfileBody.safeParse({ display_name: null }).success).toBe(false);
  });
});
