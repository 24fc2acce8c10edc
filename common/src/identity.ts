import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';
import { HmacJwt } from './jwt.js';

/**
 * Headers the gateway sets on a request after forward-auth accepted its token.
 * The user id alone proves nothing (anyone who reaches a service port can
 * send it), so the auth service adds a short-lived assertion signed with a key
 * only the services share, and every service checks the two agree.
 */
export const IDENTITY_HEADERS = {
  userId: 'x-user-id',
  username: 'x-username',
  assertion: 'x-identity-assertion',
} as const;

export interface Identity {
  userId: string;
  username: string;
}

export type IdentityVariables = { identity: Identity };

/** Minimum length of the shared key, in bytes: HS256 wants at least 256 bits. */
export const MIN_KEY_BYTES = 32;

/** Signs and verifies identity assertions with the services' shared key. */
export class IdentityAsserter {
  private readonly jwt: HmacJwt;

  /** `ttlSeconds`: long enough to cross the gateway, short enough to be useless if leaked. */
  constructor(key: string, ttlSeconds = 30) {
    if (Buffer.byteLength(key) < MIN_KEY_BYTES) throw new Error(`identity key must be at least ${MIN_KEY_BYTES} bytes`);
    this.jwt = new HmacJwt(key, {
      issuer: 'feedmesh-gateway-auth',
      audience: 'feedmesh-services',
      ttlSeconds,
      uniqueId: false,
    });
  }

  assert(identity: Identity): Promise<string> {
    return this.jwt.sign({ subject: identity.userId, name: identity.username });
  }

  /** Resolves to the identity the assertion carries; rejects if it is forged, altered or stale. */
  async verify(assertion: string): Promise<Identity> {
    const { subject, name } = await this.jwt.verify(assertion);
    return { userId: subject, username: name };
  }
}

/**
 * Middleware for routes that act on behalf of a user: 401 unless the request
 * carries a user id together with a valid assertion for that same id. Sets
 * `c.var.identity`.
 */
export function requireIdentity(asserter: IdentityAsserter): MiddlewareHandler<{ Variables: IdentityVariables }> {
  return async (c, next) => {
    const userId = c.req.header(IDENTITY_HEADERS.userId);
    const assertion = c.req.header(IDENTITY_HEADERS.assertion);
    if (!userId || !assertion) throw new ApiError(401, 'unauthorized', 'authentication required');
    const identity = await asserter.verify(assertion).catch(() => {
      throw new ApiError(401, 'unauthorized', 'identity assertion is invalid or expired');
    });
    if (identity.userId !== userId)
      throw new ApiError(401, 'unauthorized', 'identity assertion does not match the user id');
    c.set('identity', identity);
    await next();
  };
}
