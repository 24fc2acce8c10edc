import { hmacKeys, IdentityJwt } from '@feedmesh/common';

/** Access tokens handed to clients: HS256, with sub, iat, nbf, exp, iss, aud and a unique jti. */
export const accessTokens = (secret: string, ttlSeconds: number) =>
  new IdentityJwt(hmacKeys(secret), { issuer: 'feedmesh-auth', audience: 'feedmesh', ttlSeconds, uniqueId: true });
