import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';
import { IdentityKeysUnavailable } from './identity-keys.js';
import { IdentityJwt, type Identity, type JwtKeys } from './jwt.js';

/**
 * Headers the gateway sets on a request after forward-auth accepted its token.
 * The user id alone proves nothing (anyone who reaches a service port can
 * send it), so the auth service adds a short-lived assertion signed with its
 * private Ed25519 key, and every service checks the two agree with the public
 * keys auth-service serves (`identity-keys.ts`): a compromised service can
 * verify identities but not mint them.
 */
export const IDENTITY_HEADERS = {
  userId: 'x-user-id',
  username: 'x-username',
  assertion: 'x-identity-assertion',
} as const;

export type IdentityVariables = { identity: Identity };

/** Minimum length of an HMAC secret, in bytes: HS256 wants at least 256 bits. */
export const MIN_KEY_BYTES = 32;

/**
 * Identity assertions, signed by auth-service for the gateway (keys from
 * `identityKeyRing`) and verified by every service (`remoteIdentityKeys`):
 * EdDSA only, so an HS256 assertion, whatever its key, is refused. `ttlSeconds`: long enough to
 * cross the gateway, short enough to be useless if leaked. The assertion of
 * one identity is signed again only once a third of its lifetime has passed
 * (each one handed out has two thirds left, 20 of 30 s): forward-auth asks
 * for one on every request, and the services then verify one string.
 */
export function identityAssertions(keys: JwtKeys, ttlSeconds = 30): IdentityJwt {
  if (keys.alg !== 'EdDSA') throw new Error('identity assertions are EdDSA');
  return new IdentityJwt(keys, {
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
    const identity = await assertions.verify(assertion).catch((err: unknown) => {
      if (err instanceof IdentityKeysUnavailable)
        throw new ApiError(503, 'unavailable', 'identity keys are not loaded yet; retry shortly');
      throw new ApiError(401, 'unauthorized', 'identity assertion is invalid or expired');
    });
    if (identity.userId !== userId)
      throw new ApiError(401, 'unauthorized', 'identity assertion does not match the user id');
    c.set('identity', identity);
    await next();
  };
}
