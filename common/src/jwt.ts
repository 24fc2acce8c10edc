import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/** Who a token speaks for: the user id (the JWT subject) and the name that travels with it. */
export interface Identity {
  userId: string;
  username: string;
}

/**
 * HS256 JWTs that carry an identity, for one purpose: the algorithm is
 * pinned, issuer and audience are fixed per instance (so a token made for one
 * purpose is refused by another), and every claim set on signing is required
 * on verifying. The access tokens of auth-service and the identity assertions
 * the services trust are two instances of it.
 */
export class IdentityJwt {
  private readonly key: Uint8Array;
  private readonly required: string[];

  constructor(
    secret: string,
    private readonly opts: { issuer: string; audience: string; ttlSeconds: number; uniqueId: boolean },
  ) {
    this.key = new TextEncoder().encode(secret);
    this.required = opts.uniqueId ? ['sub', 'iat', 'exp', 'nbf', 'jti'] : ['sub', 'iat', 'exp'];
  }

  get ttlSeconds(): number {
    return this.opts.ttlSeconds;
  }

  sign(identity: Identity): Promise<string> {
    const jwt = new SignJWT({ name: identity.username })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(identity.userId)
      .setIssuer(this.opts.issuer)
      .setAudience(this.opts.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.opts.ttlSeconds}s`);
    if (this.opts.uniqueId) jwt.setJti(randomUUID()).setNotBefore('0s');
    return jwt.sign(this.key);
  }

  /** Resolves to the identity the token carries; rejects if it is forged, altered, stale or made for another purpose. */
  async verify(token: string): Promise<Identity> {
    const { payload } = await jwtVerify(token, this.key, {
      algorithms: ['HS256'],
      issuer: this.opts.issuer,
      audience: this.opts.audience,
      requiredClaims: this.required,
      clockTolerance: 5,
    });
    if (typeof payload.sub !== 'string' || typeof payload.name !== 'string')
      throw new Error('token lacks its subject or name');
    return { userId: payload.sub, username: payload.name };
  }
}
