import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { accessTokens } from '../src/tokens.js';

const SECRET = 's'.repeat(40);
const tokens = accessTokens(SECRET, 3600);
const who = { userId: '6f1c1c1e-3b7c-4a53-9b3e-8a4d2f1e0c11', username: 'alice' };
const key = new TextEncoder().encode(SECRET);
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const fullClaims = () => ({
  sub: who.userId,
  name: 'alice',
  iss: 'feedmesh-auth',
  aud: 'feedmesh',
  jti: 'j',
  iat: now(),
  nbf: now(),
  exp: now() + 60,
});

describe('access tokens', () => {
  it('carries sub, iat, nbf, exp, iss, aud and jti, and verifies back to the user', async () => {
    const token = await tokens.sign(who);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'name', 'nbf', 'sub']);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
    expect(await tokens.verify(token)).toEqual(who);
  });

  it('gives every token its own jti', async () => {
    const [a, b] = await Promise.all([tokens.sign(who), tokens.sign(who)]);
    const jti = (t: string) =>
      (JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    expect(jti(a)).not.toBe(jti(b));
  });

  const rejected: Array<[string, () => Promise<string>]> = [
    ['unsigned (alg: none)', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(fullClaims())}.`],
    ['signed with another key', () => accessTokens('o'.repeat(40), 3600).sign(who)],
    [
      'expired',
      () =>
        new SignJWT(fullClaims())
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuedAt(now() - 7200)
          .setExpirationTime(now() - 3600)
          .sign(key),
    ],
    [
      'not yet valid',
      () =>
        new SignJWT(fullClaims())
          .setProtectedHeader({ alg: 'HS256' })
          .setNotBefore(now() + 3600)
          .sign(key),
    ],
    [
      'for another audience',
      () => new SignJWT({ ...fullClaims(), aud: 'someone-else' }).setProtectedHeader({ alg: 'HS256' }).sign(key),
    ],
    [
      'from another issuer',
      () => new SignJWT({ ...fullClaims(), iss: 'someone-else' }).setProtectedHeader({ alg: 'HS256' }).sign(key),
    ],
    [
      'without a jti',
      () => new SignJWT({ ...fullClaims(), jti: undefined }).setProtectedHeader({ alg: 'HS256' }).sign(key),
    ],
    ['with another algorithm (HS512)', () => new SignJWT(fullClaims()).setProtectedHeader({ alg: 'HS512' }).sign(key)],
    ['garbage', async () => 'not.a.token'],
  ];
  it.each(rejected)('rejects a token %s', async (_, make) => {
    await expect(tokens.verify(await make())).rejects.toThrow();
  });
});
