import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { identityAssertions } from '../src/identity.js';
import { identityKeyRing } from '../src/identity-keys.js';
import { hmacKeys, IdentityJwt } from '../src/jwt.js';

const KEY = 'k'.repeat(32);
const ring = await identityKeyRing('1'.repeat(64));
const alice = { userId: '11111111-1111-4111-8111-111111111111', username: 'alice' };
const accessTokens = () =>
  new IdentityJwt(hmacKeys(KEY), { issuer: 'feedmesh-auth', audience: 'feedmesh', ttlSeconds: 60, uniqueId: true });

// Only Date: Web Crypto and jose's promises must keep running.
const at = (iso: string) => vi.useFakeTimers({ toFake: ['Date'], now: new Date(iso) });
afterEach(() => {
  vi.useRealTimers();
});

describe('a verified token remembered', () => {
  it('is accepted again while it is fresh', async () => {
    const tokens = accessTokens();
    const token = await tokens.sign(alice);
    expect(await tokens.verify(token)).toEqual(alice);
    expect(await tokens.verify(token)).toEqual(alice);
  });

  it('is refused once it has expired, as on its first check', async () => {
    at('2026-01-01T00:00:00Z');
    const tokens = accessTokens();
    const token = await tokens.sign(alice);
    expect(await tokens.verify(token)).toEqual(alice);
    // 60 s of life and 5 s of clock tolerance: still good at 64 s, refused at 65 s.
    vi.setSystemTime(new Date('2026-01-01T00:01:04Z'));
    expect(await tokens.verify(token)).toEqual(alice);
    vi.setSystemTime(new Date('2026-01-01T00:01:05Z'));
    await expect(tokens.verify(token)).rejects.toThrow();
  });

  it('gives each caller its own copy of the identity', async () => {
    const tokens = accessTokens();
    const token = await tokens.sign(alice);
    (await tokens.verify(token)).userId = 'mallory';
    expect(await tokens.verify(token)).toEqual(alice);
  });

  it('does not make a token with another key or purpose acceptable', async () => {
    const token = await accessTokens().sign(alice);
    const assertions = identityAssertions(ring.keys);
    await expect(assertions.verify(token)).rejects.toThrow();
    await expect(assertions.verify(token)).rejects.toThrow();
  });
});

describe('an identity assertion reused', () => {
  it('is the same token for the same identity within a third of its lifetime, then a new one', async () => {
    at('2026-01-01T00:00:00Z');
    const assertions = identityAssertions(ring.keys, 30);
    const first = await assertions.sign(alice);
    vi.setSystemTime(new Date('2026-01-01T00:00:09Z'));
    expect(await assertions.sign(alice)).toBe(first);
    vi.setSystemTime(new Date('2026-01-01T00:00:10Z'));
    const second = await assertions.sign(alice);
    expect(second).not.toBe(first);
    expect(await assertions.verify(second)).toEqual(alice);
  });

  it('is never handed out for another identity', async () => {
    const assertions = identityAssertions(ring.keys);
    const forAlice = await assertions.sign(alice);
    const forBob = await assertions.sign({ userId: alice.userId, username: 'bob' });
    expect(forBob).not.toBe(forAlice);
    expect(await assertions.verify(forBob)).toEqual({ userId: alice.userId, username: 'bob' });
  });

  it('carries the access token it vouches for, and is another token for another one', async () => {
    const assertions = identityAssertions(ring.keys);
    const session = { ...alice, token: { id: 'jti-1', generation: 2 } };
    const first = await assertions.sign(session);
    expect(await assertions.verify(first)).toEqual(session);
    const other = await assertions.sign({ ...alice, token: { id: 'jti-2', generation: 2 } });
    expect(other).not.toBe(first);
    expect(await assertions.verify(other)).toMatchObject({ token: { id: 'jti-2' } });
    expect(await assertions.verify(await assertions.sign(alice))).toEqual(alice);
  });

  it('is refused with a `tok` that is not a token reference', async () => {
    const key = (await ring.keys.signing!).key;
    const bad = await new SignJWT({ name: alice.username, tok: { id: 7 } })
      .setProtectedHeader({ alg: 'EdDSA', kid: ring.kid })
      .setSubject(alice.userId)
      .setIssuer('feedmesh-gateway-auth')
      .setAudience('feedmesh-services')
      .setIssuedAt()
      .setExpirationTime('30s')
      .sign(key);
    await expect(identityAssertions(ring.keys).verify(bad)).rejects.toThrow(/tok/);
  });

  it('is not a thing for access tokens: each signing has its own jti', async () => {
    const tokens = accessTokens();
    expect(await tokens.sign(alice)).not.toBe(await tokens.sign(alice));
    expect(
      () =>
        new IdentityJwt(hmacKeys(KEY), { issuer: 'i', audience: 'a', ttlSeconds: 60, uniqueId: true, reuseSeconds: 5 }),
    ).toThrow(/never reused/);
  });
});

it('refuses an empty secret when it is made, not on first use', () => {
  expect(() => hmacKeys('')).toThrow(/empty/);
});
