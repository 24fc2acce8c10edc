import { Hono } from 'hono';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_KEYS } from '../src/config.js';
import { errorHandler } from '../src/errors.js';
import { identityKeyRing, remoteIdentityKeys } from '../src/identity-keys.js';
import { hmacKeys } from '../src/jwt.js';
import { IDENTITY_HEADERS, identityAssertions, requireIdentity, type IdentityVariables } from '../src/identity.js';

const ring = await identityKeyRing('1'.repeat(64));
const assertions = identityAssertions(ring.keys);
const alice = { userId: '11111111-1111-4111-8111-111111111111', username: 'alice' };

function app() {
  const a = new Hono<{ Variables: IdentityVariables }>();
  a.onError(errorHandler(pino({ level: 'silent' })));
  a.get('/me', requireIdentity(assertions), (c) => c.json(c.var.identity));
  return a;
}
const call = (headers: Record<string, string>) => app().request('/me', { headers });

const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({
  sub: alice.userId,
  name: 'alice',
  aud: 'feedmesh-services',
  iss: 'feedmesh-gateway-auth',
  iat: now(),
  exp: now() + 30,
});

describe('identity assertions', () => {
  it('round-trips an identity, signed with EdDSA under the current kid', async () => {
    const token = await assertions.sign(alice);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: ring.kid });
    expect(await assertions.verify(token)).toEqual(alice);
  });

  it('will not be made with an HMAC key', () => {
    expect(() => identityAssertions(hmacKeys('k'.repeat(32)))).toThrow(/EdDSA/);
  });

  it.each([...PUBLISHED_KEYS, 'k'.repeat(32)])('rejects an HS256 assertion signed with %s', async (key) => {
    for (const kid of [undefined, ring.kid]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader(kid ? { alg: 'HS256', kid } : { alg: 'HS256' })
        .sign(new TextEncoder().encode(key));
      await expect(assertions.verify(token)).rejects.toThrow();
    }
  });

  it("rejects an assertion signed with a stranger's Ed25519 key under auth-service's kid", async () => {
    const stranger = await identityKeyRing('2'.repeat(64));
    const { key } = await stranger.keys.signing!;
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: ring.kid }).sign(key);
    await expect(assertions.verify(token)).rejects.toThrow();
    await expect(assertions.verify(await identityAssertions(stranger.keys).sign(alice))).rejects.toThrow();
  });

  it('rejects an assertion that names no key', async () => {
    const { key } = await ring.keys.signing!;
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA' }).sign(key);
    await expect(assertions.verify(token)).rejects.toThrow(/kid/);
  });

  it('rejects an expired assertion', async () => {
    const stale = await identityAssertions(ring.keys, -60).sign(alice);
    await expect(assertions.verify(stale)).rejects.toThrow();
  });

  it('rejects an unsigned (alg: none) assertion', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', kid: ring.kid })}.${b64(claims())}.`;
    await expect(assertions.verify(unsigned)).rejects.toThrow();
  });

  it('rejects a token for another audience, such as a user access token', async () => {
    const { key } = await ring.keys.signing!;
    const token = await new SignJWT({ ...claims(), aud: 'feedmesh', iss: 'feedmesh-auth' })
      .setProtectedHeader({ alg: 'EdDSA', kid: ring.kid })
      .sign(key);
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

  it('answers 503, not 401, while the keys that verify assertions could not be fetched yet', async () => {
    const away = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof globalThis.fetch;
    const unsure = identityAssertions(remoteIdentityKeys('http://auth/jwks', { fetch: away }));
    const a = new Hono<{ Variables: IdentityVariables }>();
    a.onError(errorHandler(pino({ level: 'silent' })));
    a.get('/me', requireIdentity(unsure), (c) => c.json(c.var.identity));
    const res = await a.request('/me', {
      headers: { [IDENTITY_HEADERS.userId]: alice.userId, [IDENTITY_HEADERS.assertion]: await assertions.sign(alice) },
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'unavailable' } });
  });

  it('answers 401 to a garbage assertion', async () => {
    const res = await call({ [IDENTITY_HEADERS.userId]: alice.userId, [IDENTITY_HEADERS.assertion]: 'not-a-jwt' });
    expect(res.status).toBe(401);
  });
});
