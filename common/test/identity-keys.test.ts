import { createPublicKey } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { identityAssertions } from '../src/identity.js';
import { IdentityKeysUnavailable, identityKeyRing, remoteIdentityKeys } from '../src/identity-keys.js';

const alice = { userId: '11111111-1111-4111-8111-111111111111', username: 'alice' };
const OLD = '1'.repeat(64);
const NEW = '2'.repeat(64);

/** A JWKS endpoint whose answer the test changes, counting fetches; `down` makes it refuse. */
function endpoint(initial: JSONWebKeySet) {
  const state = { jwks: initial, down: false, fetches: 0 };
  const fetch = (async () => {
    state.fetches += 1;
    if (state.down) throw new TypeError('fetch failed');
    return Response.json(state.jwks);
  }) as typeof globalThis.fetch;
  return { state, fetch };
}

describe('identityKeyRing', () => {
  it('derives the Ed25519 key of a seed as RFC 8032 does (its test 1)', async () => {
    const seed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
    const { jwks } = await identityKeyRing(seed);
    const jwk = jwks.keys[0]!;
    expect(Buffer.from(jwk.x!, 'base64url').toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    expect(createPublicKey({ key: { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! }, format: 'jwk' }).asymmetricKeyType).toBe(
      'ed25519',
    );
  });

  it('names each key by its thumbprint, the same on every instance, and serves the current one first', async () => {
    const a = await identityKeyRing(NEW, [OLD]);
    const b = await identityKeyRing(NEW, [OLD]);
    expect(a.kid).toBe(b.kid);
    expect(a.jwks.keys.map((k) => k.kid)).toEqual([a.kid, (await identityKeyRing(OLD)).kid]);
    expect(a.jwks.keys.every((k) => k.alg === 'EdDSA' && k.use === 'sig' && !('d' in k))).toBe(true);
  });

  it('refuses a seed that is not 32 bytes of hex', async () => {
    await expect(identityKeyRing('k'.repeat(32))).rejects.toThrow(/32 bytes/);
  });
});

describe('remoteIdentityKeys', () => {
  it('fetches the set once and verifies from the cache after that', async () => {
    const ring = await identityKeyRing(OLD);
    const { state, fetch } = endpoint(ring.jwks);
    const verifier = identityAssertions(remoteIdentityKeys('http://auth/jwks', { fetch }));
    const signer = identityAssertions(ring.keys);
    for (const who of [alice, { ...alice, username: 'al' }, { ...alice, username: 'ally' }])
      expect(await verifier.verify(await signer.sign(who))).toEqual(who);
    expect(state.fetches).toBe(1);
  });

  it('fetches the set as soon as it is made, before any request, and a request meanwhile waits for it', async () => {
    const ring = await identityKeyRing(OLD);
    const { state, fetch } = endpoint(ring.jwks);
    const verifier = identityAssertions(remoteIdentityKeys('http://auth/jwks', { fetch }));
    expect(state.fetches).toBe(1);
    expect(await verifier.verify(await identityAssertions(ring.keys).sign(alice))).toEqual(alice);
    expect(state.fetches).toBe(1);
  });

  it('says the keys are missing, not that the assertion is bad, while none could be fetched', async () => {
    const ring = await identityKeyRing(OLD);
    const { state, fetch } = endpoint(ring.jwks);
    state.down = true;
    const verifier = identityAssertions(remoteIdentityKeys('http://auth/jwks', { fetch, cooldownMs: 0 }));
    const assertion = await identityAssertions(ring.keys).sign(alice);
    await expect(verifier.verify(assertion)).rejects.toBeInstanceOf(IdentityKeysUnavailable);
    state.down = false;
    expect(await verifier.verify(assertion)).toEqual(alice);
  });

  it('keeps verifying with the cached keys while auth-service is away, past their age', async () => {
    const ring = await identityKeyRing(OLD);
    const { state, fetch } = endpoint(ring.jwks);
    const verifier = identityAssertions(remoteIdentityKeys('http://auth/jwks', { fetch, maxAgeMs: 0 }));
    const signer = identityAssertions(ring.keys);
    await verifier.verify(await signer.sign(alice));
    state.down = true;
    expect(await verifier.verify(await signer.sign({ ...alice, username: 'b' }))).toMatchObject({ username: 'b' });
    expect(state.fetches).toBeGreaterThan(1);
  });

  it('follows a rotation: a new kid is fetched at once, an old assertion verifies, a removed key refuses', async () => {
    const before = await identityKeyRing(OLD);
    const { state, fetch } = endpoint(before.jwks);
    const verifier = identityAssertions(
      remoteIdentityKeys('http://auth/jwks', { fetch, maxAgeMs: 60_000, cooldownMs: 0 }),
    );
    const oldAssertion = await identityAssertions(before.keys).sign(alice);
    expect(await verifier.verify(oldAssertion)).toEqual(alice);

    // auth-service rotates: signs with NEW, still serves OLD.
    const after = await identityKeyRing(NEW, [OLD]);
    state.jwks = after.jwks;
    const newAssertion = await identityAssertions(after.keys).sign({ ...alice, username: 'n' });
    expect(await verifier.verify(newAssertion)).toMatchObject({ username: 'n' });
    expect(state.fetches).toBe(2);
    // Not remembered as verified by this verifier yet: checked against the served OLD key.
    const another = await identityAssertions(before.keys).sign({ ...alice, username: 'o' });
    expect(await verifier.verify(another)).toMatchObject({ username: 'o' });

    // OLD dropped: once the verifier learns the set without it, an assertion it signed is refused.
    state.jwks = (await identityKeyRing(NEW)).jwks;
    const stale = await identityAssertions(before.keys).sign({ ...alice, username: 'gone' });
    const fresh = identityAssertions(remoteIdentityKeys('http://auth/jwks', { fetch }));
    await expect(fresh.verify(stale)).rejects.toThrow();
  });

  it('drops a removed key once the cached set is older than its age', async () => {
    const before = await identityKeyRing(NEW, [OLD]);
    const { state, fetch } = endpoint(before.jwks);
    const verifier = identityAssertions(remoteIdentityKeys('http://auth/jwks', { fetch, maxAgeMs: 0 }));
    const signer = identityAssertions((await identityKeyRing(OLD)).keys);
    await verifier.verify(await signer.sign(alice));
    state.jwks = (await identityKeyRing(NEW)).jwks;
    // The stale set answers this one and is fetched again behind it; the next one meets the new set.
    await verifier.verify(await signer.sign({ ...alice, username: 'x' })).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10));
    await expect(verifier.verify(await signer.sign({ ...alice, username: 'y' }))).rejects.toThrow();
  });

  it('fetches at most once per cooldown for kids it does not know', async () => {
    const ring = await identityKeyRing(OLD);
    const { state, fetch } = endpoint(ring.jwks);
    const verifier = identityAssertions(remoteIdentityKeys('http://auth/jwks', { fetch, cooldownMs: 60_000 }));
    const stranger = identityAssertions((await identityKeyRing(NEW)).keys);
    for (const username of ['a', 'b', 'c'])
      await expect(verifier.verify(await stranger.sign({ ...alice, username }))).rejects.toThrow();
    expect(state.fetches).toBe(1);
  });
});
