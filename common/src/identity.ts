import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';
import { IdentityJwt, type Identity } from './jwt.js';

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

export type IdentityVariables = { identity: Identity };

/** Minimum length of the shared key, in bytes: HS256 wants at least 256 bits. */
export const MIN_KEY_BYTES = 32;

/**
 * Identity assertions, signed by auth-service for the gateway and verified by
 * every service, with the services' shared key. `ttlSeconds`: long enough to
 * cross the gateway, short enough to be useless if leaked. The assertion of
 * one identity is signed again only once a third of its lifetime has passed
 * (each one handed out has two thirds left, 20 of 30 s): forward-auth asks
 * for one on every request, and the services then verify one string.
 */
export function identityAssertions(key: string, ttlSeconds = 30): IdentityJwt {
  if (Buffer.byteLength(key) < MIN_KEY_BYTES) throw new Error(`identity key must be at least ${MIN_KEY_BYTES} bytes`);
  return new IdentityJwt(key, {
    issuer: 'feedmesh-gateway-auth',
    audience: 'feedmesh-services',
    ttlSeconds,
    uniqueId: false,
    reuseSeconds: Math.max(0, Math.floor(ttlSeconds / 3)),
  });
}

/**
 * Middleware for routes that act on behalf of a user: 401 unless the request
 * carries a user id together with a valid assertion for that same id. Sets
 * `c.var.identity`.
 */
export function requireIdentity(assertions: IdentityJwt): MiddlewareHandler<{ Variables: IdentityVariables }> {
  return async (c, next) => {
    const userId = c.req.header(IDENTITY_HEADERS.userId);
    const assertion = c.req.header(IDENTITY_HEADERS.assertion);
    if (!userId || !assertion) throw new ApiError(401, 'unauthorized', 'authentication required');
    const identity = await assertions.verify(assertion).catch(() => {
      throw new ApiError(401, 'unauthorized', 'identity assertion is invalid or expired');
    });
    if (identity.userId !== userId)
      throw new ApiError(401, 'unauthorized', 'identity assertion does not match the user id');
    c.set('identity', identity);
    await next();
  };
}
