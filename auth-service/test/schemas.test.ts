import { describe, expect, it } from 'vitest';
import { loginBody, registerBody } from '../src/schemas.js';

const valid = { email: 'Ada@Example.COM ', username: 'ada_l', password: 'correct horse' };

describe('registerBody', () => {
  it('normalises the email: trimmed and lower-cased', () => {
    expect(registerBody.parse(valid).email).toBe('ada@example.com');
  });

  it.each([
    ['an invalid email', { ...valid, email: 'not-an-email' }, 'email'],
    ['an email over 254 characters', { ...valid, email: `${'a'.repeat(250)}@x.io` }, 'email'],
    ['a password shorter than 8', { ...valid, password: 'short' }, 'password'],
    ['a password over 256 characters', { ...valid, password: 'p'.repeat(257) }, 'password'],
    ['a username with spaces', { ...valid, username: 'ada l' }, 'username'],
    ['a username over 32 characters', { ...valid, username: 'a'.repeat(33) }, 'username'],
    ['a missing field', { email: valid.email, password: valid.password }, 'username'],
    ['a non-string field', { ...valid, username: { $gt: '' } }, 'username'],
    ['an unknown field', { ...valid, is_admin: true }, ''],
  ])('rejects %s', (_, body, path) => {
    const result = registerBody.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('loginBody', () => {
  it('accepts any non-empty password, so a short one gets the generic 401 rather than a hint', () => {
    expect(loginBody.safeParse({ email: 'a@b.co', password: 'x' }).success).toBe(true);
  });
});
