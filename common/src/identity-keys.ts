import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { JwtKeys } from './jwt.js';

/**
 * An Ed25519 private key is its 32-byte seed. PKCS#8 wraps it behind a fixed
 * 16-byte header (RFC 8410: version 0, algorithm id-Ed25519, an octet string
 * of 32 bytes), so a seed from the installation's secret files (32 random
 * bytes, hex) imports without a PEM file or a key-generation step.
 */
const PKCS8_ED25519_HEADER = Buffer.from('302e020100300506032b657004220420', 'hex');
export const ED25519_SEED_HEX = /^[0-9a-f]{64}$/;

/** The keys auth-service signs identity assertions with, and the public key set it serves. */
export interface IdentityKeyRing {
  /** Signs with the current key; verifies with any key of the ring (auth-service checks its own without HTTP). */
  keys: JwtKeys;
  /** The public keys, current first: what `GET <prefix>/.well-known/jwks.json` answers. */
  jwks: JSONWebKeySet;
  /** The current key's id (its JWK thumbprint, RFC 7638). */
  kid: string;
}

async function publicJwk(seedHex: string): Promise<{ der: Buffer; jwk: JWK }> {
  if (!ED25519_SEED_HEX.test(seedHex)) throw new Error('an Ed25519 seed is 32 bytes, as 64 lowercase hex digits');
  const der = Buffer.concat([PKCS8_ED25519_HEADER, Buffer.from(seedHex, 'hex')]);
  const { kty, crv, x } = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({
    format: 'jwk',
  });
  // A thumbprint as kid: the same seed gives the same kid on every instance, with nothing to configure.
  const kid = await calculateJwkThumbprint({ kty: kty!, crv: crv!, x: x! });
  return { der, jwk: { kty, crv, x, kid, alg: 'EdDSA', use: 'sig' } };
}

/**
 * The ring of `current` (signs) and `previous` (still served, so assertions
 * signed with them verify until they expire; drop one once the longest
 * assertion lifetime has passed since it stopped signing).
 */
export async function identityKeyRing(current: string, previous: readonly string[] = []): Promise<IdentityKeyRing> {
  const [head, ...rest] = await Promise.all([current, ...previous.filter((p) => p !== current)].map(publicJwk));
  const jwks = { keys: [head!.jwk, ...rest.map((r) => r.jwk)] };
  const key = webcrypto.subtle.importKey('pkcs8', head!.der, { name: 'Ed25519' }, false, ['sign']);
  const kid = head!.jwk.kid!;
  return {
    keys: { alg: 'EdDSA', verifying: byKid(createLocalJWKSet(jwks)), signing: key.then((k) => ({ key: k, kid })) },
    jwks,
    kid,
  };
}

/** An assertion must name its key: with several keys served, jose would otherwise try each. */
const byKid =
  (pick: JWTVerifyGetKey): JWTVerifyGetKey =>
  (header, token) => {
    if (header.kid === undefined) throw new errors.JWKSNoMatchingKey('the assertion names no key (kid)');
    return pick(header, token);
  };

/**
 * No identity keys could be had from auth-service yet (it was away when
 * this process started): the service cannot tell a valid assertion from a
 * forged one, which is its own trouble, not the caller's (503, not 401).
 */
export class IdentityKeysUnavailable extends Error {
  constructor(url: string) {
    super(`no identity keys from ${url} yet`);
    this.name = 'IdentityKeysUnavailable';
  }
}

export interface RemoteKeysOptions {
  /** Past this age the set is fetched again in the background, so removed keys go; meanwhile the cached set answers. */
  maxAgeMs?: number;
  /** At most one fetch this often for a `kid` the set does not have (a forged kid must not become a flood). */
  cooldownMs?: number;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * The public keys of auth-service, fetched from its JWKS and cached. Unlike
 * jose's `createRemoteJWKSet`, which refuses every token once its cache is
 * stale and the fetch fails, a stale set keeps answering while auth-service
 * is away (stale while revalidate): a restart of auth-service must not log
 * out the mesh. A `kid` it does not know makes it fetch at once (a rotation),
 * at most once per cooldown.
 */
export function remoteIdentityKeys(url: string, opts: RemoteKeysOptions = {}): JwtKeys {
  const { maxAgeMs = 60_000, cooldownMs = 5_000, timeoutMs = 2_000, fetch = globalThis.fetch } = opts;
  let local: JWTVerifyGetKey | undefined;
  let kids = new Set<string>();
  let triedAt = -Infinity;
  let fetching: Promise<void> | undefined;

  const load = async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    const jwks = (await res.json()) as JSONWebKeySet;
    local = createLocalJWKSet(jwks);
    kids = new Set(jwks.keys.flatMap((k) => (k.kid === undefined ? [] : [k.kid])));
  };
  // One fetch at a time; a failure leaves the cached set as it was.
  const refresh = () => {
    triedAt = Date.now();
    fetching ??= load()
      .catch(() => undefined)
      .finally(() => (fetching = undefined));
    return fetching;
  };

  const verifying: JWTVerifyGetKey = async (header, token) => {
    if (header.kid === undefined) throw new errors.JWKSNoMatchingKey('the assertion names no key (kid)');
    // The first fetch, begun with the process: requests that come before it ends wait for it.
    if (!local && fetching) await fetching;
    const age = Date.now() - triedAt;
    if (!kids.has(header.kid) && age >= cooldownMs) await refresh();
    else if (age >= maxAgeMs) void refresh();
    if (!local) throw new IdentityKeysUnavailable(url);
    return local(header, token);
  };
  // At once, not on the first request: a service just started (and busy catching up) has them before it is routed to.
  void refresh();
  return { alg: 'EdDSA', verifying };
}
