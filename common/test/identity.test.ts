import { Hono } from 'hono';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../src/errors.js';
import { IDENTITY_HEADERS, identityAssertions, requireIdentity, type IdentityVariables } from '../src/identity.js';

const KEY = 'k'.repeat(32);
const assertions = identityAssertions(KEY);
const alice = { userId: '11111111-1111-4111-8111-111111111111', username: 'alice' };

function app() {
  const a = new Hono<{ Variables: IdentityVariables }>();
  a.onError(errorHandler(pino({ level: 'silent' })));
  a.get('/me', requireIdentity(assertions), (c) => c.json(c.var.identity));
  return a;
}
const call = (headers: Record<string, string>) => app().request('/me', { headers });

describe('identity assertions', () => {
  it('round-trips an identity', async () => {
    expect(await assertions.verify(await assertions.sign(alice))).toEqual(alice);
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => identityAssertions('short')).toThrow(/32 bytes/);
  });

  it('rejects an assertion signed with another key', async () => {
    const other = await identityAssertions('x'.repeat(32)).sign(alice);
    await expect(assertions.verify(other)).rejects.toThrow();
  });

  it('rejects an expired assertion', async () => {
    const stale = await identityAssertions(KEY, -60).sign(alice);
    await expect(assertions.verify(stale)).rejects.toThrow();
  });

  it('rejects an unsigned (alg: none) assertion', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none' })}.${b64({ sub: alice.userId, name: 'alice', aud: 'feedmesh-services', iss: 'feedmesh-gateway-auth', iat: now, exp: now + 30 })}.`;
    await expect(assertions.verify(unsigned)).rejects.toThrow();
  });

  it('rejects a token for another audience, such as a user access token', async () => {
    const token = await new SignJWT({ name: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(alice.userId)
      .setAudience('feedmesh')
      .setIssuer('feedmesh-auth')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(KEY));
    await expect(assertions.verify(token)).rejects.toThrow();
  });
});

describe('requireIdentity', () => {
  it('passes the asserted identity to the handler', async () => {
    const res = await call({
      [IDENTITY_HEADERS.userId]: alice.userId,
      [IDENTITY_HEADERS.assertion]: await assertions.sign(alice),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(alice);
  });

  it('answers 401 to a bare X-User-ID, as a direct hit on a service port would send', async () => {
    const res = await call({ 'X-User-ID': alice.userId });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('answers 401 when the user id differs from the asserted one', async () => {
    const res = await call({
      [IDENTITY_HEADERS.userId]: 'someone-else',
      [IDENTITY_HEADERS.assertion]: await assertions.sign(alice),
    });
    expect(res.status).toBe(401);
  });

  it('answers 401 to a garbage assertion', async () => {
    const res = await call({ [IDENTITY_HEADERS.userId]: alice.userId, [IDENTITY_HEADERS.assertion]: 'not-a-jwt' });
    expect(res.status).toBe(401);
  });
});
