import { randomUUID, webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { remember } from './remember.js';

const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256' } as const;

/**
 * What an IdentityJwt signs and verifies with: the one algorithm it accepts,
 * the key (or, for a key set, the function that picks one by the token's
 * `kid`) it verifies with, and, only where tokens are made, the key it signs
 * with.
 */
export interface JwtKeys {
  alg: 'HS256' | 'EdDSA';
  verifying: Promise<webcrypto.CryptoKey> | JWTVerifyGetKey;
  signing?: Promise<{ key: webcrypto.CryptoKey; kid?: string }>;
}

/**
 * One HMAC secret that both signs and verifies, imported once as a Web Crypto
 * key: given raw bytes, jose imports them again on every sign and verify,
 * which costs more than the HMAC itself (a few times the CPU per token).
 */
export function hmacKeys(secret: string): JwtKeys {
  // Web Crypto refuses an empty HMAC key; say so here rather than in a rejection no one awaits.
  if (secret.length === 0) throw new Error('a JWT secret must not be empty');
  const key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), HMAC_SHA256, false, [
    'sign',
    'verify',
  ]);
  return { alg: 'HS256', verifying: key, signing: key.then((k) => ({ key: k })) };
}

/** Seconds of clock skew allowed between the signer and the verifier. */
const CLOCK_TOLERANCE = 5;

/**
 * How many tokens an instance remembers, verified or issued: enough for
 * every user active within a token's lifetime on one instance, small enough
 * to be a few MB at most. The oldest are forgotten first.
 */
const REMEMBERED = 10_000;

/**
 * Who a token speaks for: the user id (the JWT subject) and the name that
 * travels with it. An identity assertion also names the access token it was
 * proven with (`token`), so that what the request opens for long (a live
 * stream) can be ended when that token is revoked.
 */
export interface Identity {
  userId: string;
  username: string;
  token?: AccessTokenRef;
}

/** An access token by what revocation looks at: its `jti` and its generation (see VerifiedToken). */
export interface AccessTokenRef {
  id: string;
  generation: number;
}

/** `tok`, as an assertion carries an AccessTokenRef; anything else there makes the token invalid. */
function tokenRef(claim: unknown): AccessTokenRef | undefined {
  if (claim === undefined) return undefined;
  const o = claim as Record<string, unknown> | null;
  if (typeof o === 'object' && o && typeof o.id === 'string' && Number.isInteger(o.gen))
    return { id: o.id, generation: o.gen as number };
  throw new Error('token has a bad tok');
}

/** A token that passed `verifyToken`: who it speaks for, and what revocation looks at. */
export interface VerifiedToken {
  identity: Identity;
  /** Its `exp`, in seconds. */
  exp: number;
  /** Its `jti`, on tokens with a unique id. */
  jti?: string;
  /** Its `gen` claim: the user's token generation when it was signed (0 if it has none). */
  generation: number;
}

export interface IdentityJwtOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** A `jti` (and `nbf`) on every token: each signing gives a token of its own. */
  uniqueId: boolean;
  /**
   * Seconds for which `sign` may hand out again a token it signed for the same
   * identity instead of signing anew (0: never), so every token given out
   * has at least `ttlSeconds - reuseSeconds` left. Not with `uniqueId`.
   */
  reuseSeconds?: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * JWTs that carry an identity, for one purpose: the algorithm is
 * pinned (HS256 for access tokens, EdDSA for identity assertions), issuer and audience are fixed per instance (so a token made for one
 * purpose is refused by another), and every claim set on signing is required
 * on verifying. The access tokens of auth-service and the identity assertions
 * the services trust are two instances of it.
 *
 * Every authenticated request verifies one token of each and signs an
 * assertion, so both sides remember: a token verified once is not verified
 * again until it expires (verifying the same string again could only give the
 * same answer, but for the clock, which is checked on every use), and an
 * assertion may be handed out again for a few seconds.
 */
export class IdentityJwt {
  private readonly required: string[];
  /** Tokens that passed `verify`, with what they carry and when they expire (`exp`). */
  private readonly verified = new Map<string, VerifiedToken>();
  /** The last token signed for each identity, with its `iat`, while it may be reused. */
  private readonly issued = new Map<string, { token: string; iat: number }>();

  constructor(
    private readonly keys: JwtKeys,
    private readonly opts: IdentityJwtOptions,
  ) {
    if (opts.uniqueId && (opts.reuseSeconds ?? 0) > 0) throw new Error('a token with a unique id is never reused');
    // Never an unhandled rejection: a bad key surfaces on the first sign or verify.
    if (!(typeof keys.verifying === 'function')) keys.verifying.catch(() => undefined);
    keys.signing?.catch(() => undefined);
    this.required = opts.uniqueId ? ['sub', 'iat', 'exp', 'nbf', 'jti'] : ['sub', 'iat', 'exp'];
  }

  get ttlSeconds(): number {
    return this.opts.ttlSeconds;
  }

  /** `generation`, if above 0, goes into the token as `gen` (see VerifiedToken); `identity.token` as `tok`. */
  async sign(identity: Identity, generation = 0): Promise<string> {
    const reuse = this.opts.reuseSeconds ?? 0;
    const { token: ref } = identity;
    const who = JSON.stringify([identity.userId, identity.username, ref?.id, ref?.generation]);
    const now = nowSeconds();
    const last = reuse > 0 ? this.issued.get(who) : undefined;
    if (last && now >= last.iat && now - last.iat < reuse) return last.token;

    if (!this.keys.signing) throw new Error('these keys only verify');
    const { key, kid } = await this.keys.signing;
    const jwt = new SignJWT({
      name: identity.username,
      ...(generation > 0 ? { gen: generation } : {}),
      ...(ref ? { tok: { id: ref.id, gen: ref.generation } } : {}),
    })
      .setProtectedHeader(
        kid === undefined ? { alg: this.keys.alg, typ: 'JWT' } : { alg: this.keys.alg, typ: 'JWT', kid },
      )
      .setSubject(identity.userId)
      .setIssuer(this.opts.issuer)
      .setAudience(this.opts.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + this.opts.ttlSeconds);
    if (this.opts.uniqueId) jwt.setJti(randomUUID()).setNotBefore(now);
    const token = await jwt.sign(key);
    if (reuse > 0) remember(this.issued, who, { token, iat: now }, REMEMBERED);
    return token;
  }

  /** Resolves to the identity the token carries; rejects if it is forged, altered, stale or made for another purpose. */
  async verify(token: string): Promise<Identity> {
    return (await this.verifyToken(token)).identity;
  }

  /** `verify`, with the claims revocation looks at. */
  async verifyToken(token: string): Promise<VerifiedToken> {
    const known = this.verified.get(token);
    // As jose decides it: expired once `exp` is CLOCK_TOLERANCE seconds past.
    if (known && nowSeconds() < known.exp + CLOCK_TOLERANCE) return { ...known, identity: { ...known.identity } };
    if (known) this.verified.delete(token);

    const options = {
      algorithms: [this.keys.alg],
      issuer: this.opts.issuer,
      audience: this.opts.audience,
      requiredClaims: this.required,
      clockTolerance: CLOCK_TOLERANCE,
    };
    const { verifying } = this.keys;
    const { payload } =
      typeof verifying === 'function'
        ? await jwtVerify(token, verifying, options)
        : await jwtVerify(token, await verifying, options);
    if (typeof payload.sub !== 'string' || typeof payload.name !== 'string')
      throw new Error('token lacks its subject or name');
    const generation = payload.gen ?? 0;
    if (typeof generation !== 'number' || !Number.isInteger(generation)) throw new Error('token has a bad gen');
    // `exp` is a required claim, so jose has checked it is a number.
    const ref = tokenRef(payload.tok);
    const verified: VerifiedToken = {
      identity: { userId: payload.sub, username: payload.name, ...(ref ? { token: ref } : {}) },
      exp: payload.exp!,
      ...(typeof payload.jti === 'string' ? { jti: payload.jti } : {}),
      generation,
    };
    remember(this.verified, token, verified, REMEMBERED);
    return { ...verified, identity: { ...verified.identity } };
  }
}
