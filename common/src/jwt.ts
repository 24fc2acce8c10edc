import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/** A subject and the display name that travels with it. */
export interface Principal {
  subject: string;
  name: string;
}

/**
 * HS256 JWTs for one purpose: the algorithm is pinned, issuer and audience are
 * fixed per instance (so a token made for one purpose is refused by another),
 * and every claim set on signing is required on verifying.
 */
export class HmacJwt {
  private readonly key: Uint8Array;
  private readonly required: string[];

  constructor(
    secret: string,
    private readonly opts: { issuer: string; audience: string; ttlSeconds: number; uniqueId: boolean },
  ) {
    this.key = new TextEncoder().encode(secret);
    this.required = opts.uniqueId ? ['sub', 'iat', 'exp', 'nbf', 'jti'] : ['sub', 'iat', 'exp'];
  }

  sign(p: Principal): Promise<string> {
    const jwt = new SignJWT({ name: p.name })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(p.subject)
      .setIssuer(this.opts.issuer)
      .setAudience(this.opts.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.opts.ttlSeconds}s`);
    if (this.opts.uniqueId) jwt.setJti(randomUUID()).setNotBefore('0s');
    return jwt.sign(this.key);
  }

  async verify(token: string): Promise<Principal> {
    const { payload } = await jwtVerify(token, this.key, {
      algorithms: ['HS256'],
      issuer: this.opts.issuer,
      audience: this.opts.audience,
      requiredClaims: this.required,
      clockTolerance: 5,
    });
    if (typeof payload.sub !== 'string' || typeof payload.name !== 'string')
      throw new Error('token lacks its subject or name');
    return { subject: payload.sub, name: payload.name };
  }
}
