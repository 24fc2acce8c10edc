import {
  ApiError,
  forwardAuthService,
  IDENTITY_HEADERS,
  route,
  type IdentityJwt,
  type Route,
  type VerifiedToken,
} from '@feedmesh/common';
import { Hono, type Context } from 'hono';
import type { JSONWebKeySet } from 'jose';
import type { Passwords } from './passwords.js';
import type { RevocationStore } from './revocations.js';
import { jwks, loginBody, passwordChangeBody, registerBody, tokenResponse, user } from './schemas.js';
import { DuplicateUserError, type UsersRepository } from './users.js';

export interface AuthRoutesDeps {
  users: UsersRepository;
  passwords: Passwords;
  /** The access tokens clients log in for. */
  tokens: IdentityJwt;
  /** The identity assertions handed to the gateway for every request it lets through. */
  assertions: IdentityJwt;
  /** The public keys that verify them (current and previous), served to every service. */
  jwks: JSONWebKeySet;
  /** Revoked tokens (logout) and users' token generations (password changes), in memory, kept current. */
  revocations: RevocationStore;
}

const invalidCredentials = () => new ApiError(401, 'unauthorized', 'email or password is incorrect');
// The scheme name is case-insensitive (RFC 7235 §2.1; login says `"token_type":"bearer"`),
// one or more spaces before the token; the token itself is case-sensitive.
const BEARER = /^bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/** The request's bearer token, verified (revoked or not); else 401 with the challenge of RFC 6750. */
async function bearerToken(c: Context, tokens: IdentityJwt): Promise<VerifiedToken> {
  const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
  if (!token) {
    c.header('WWW-Authenticate', 'Bearer');
    throw new ApiError(401, 'unauthorized', 'a bearer token is required');
  }
  return tokens.verifyToken(token).catch(() => {
    c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
    throw new ApiError(401, 'unauthorized', 'the token is invalid or expired');
  });
}

export function authRoutes(deps: AuthRoutesDeps): Route[] {
  /** The bearer token, verified and not revoked: checked in memory, never a database round trip. */
  const liveToken = async (c: Context) => {
    const verified = await bearerToken(c, deps.tokens);
    const { identity, jti, generation } = verified;
    if (deps.revocations.state.revoked({ userId: identity.userId, jti, generation })) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new ApiError(401, 'unauthorized', 'the token has been revoked');
    }
    return verified;
  };
  return [
    route(
      {
        method: 'post',
        path: '/register',
        access: 'credentials',
        summary: 'Create an account',
        body: registerBody,
        ok: { status: 201, description: 'The new account', schema: user },
        errors: [409],
      },
      async (c) => {
        const body = c.req.valid('json');
        const passwordHash = await deps.passwords.hash(body.password);
        try {
          const created = await deps.users.create({ email: body.email, username: body.username, passwordHash });
          return c.json(created, 201);
        } catch (err) {
          if (err instanceof DuplicateUserError)
            throw new ApiError(409, 'conflict', `${err.field} is already registered`);
          throw err;
        }
      },
    ),

    route(
      {
        method: 'post',
        path: '/login',
        access: 'credentials',
        summary: 'Exchange email and password for an access token',
        body: loginBody,
        ok: { status: 200, description: 'An access token', schema: tokenResponse },
        errors: [401],
      },
      async (c) => {
        const body = c.req.valid('json');
        const found = await deps.users.findCredentials(body.email);
        // Unknown email and wrong password take the same path and the same time.
        if (!(await deps.passwords.verify(found?.password_hash, body.password)) || !found) throw invalidCredentials();
        const access_token = await deps.tokens.sign(
          { userId: found.id, username: found.username },
          found.token_generation,
        );
        return c.json({ access_token, token_type: 'bearer', expires_in: deps.tokens.ttlSeconds });
      },
    ),

    // Traefik's forwardAuth: 200 with the identity headers it copies onto the
    // request, or a 401 it returns to the client as is.
    route(
      {
        method: 'get',
        path: forwardAuthService().forwardAuth,
        access: 'forwardAuth',
        summary: "The gateway's forward-auth check of a bearer token",
        ok: {
          status: 200,
          description:
            'The token is valid; the identity is in the X-User-ID, X-Username and X-Identity-Assertion headers',
        },
      },
      async (c) => {
        const { identity, jti, generation } = await liveToken(c);
        c.header(IDENTITY_HEADERS.userId, identity.userId);
        c.header(IDENTITY_HEADERS.username, identity.username);
        // The token it vouches for goes with it: a live stream ends when that token is revoked.
        const token = jti === undefined ? undefined : { id: jti, generation };
        c.header(IDENTITY_HEADERS.assertion, await deps.assertions.sign({ ...identity, ...(token ? { token } : {}) }));
        return c.body(null, 200);
      },
    ),

    // Public, not `user`: a token already revoked still logs out (204 again), where
    // forward-auth would answer 401. The handler checks the token itself.
    route(
      {
        method: 'post',
        path: '/logout',
        access: 'public',
        summary: 'Revoke the bearer token presented (idempotent)',
        ok: {
          status: 204,
          description:
            'Revoked: every auth-service instance refuses it within a second; identity assertions already issued for it live out their 30 s',
        },
        errors: [401],
      },
      async (c) => {
        const { identity, jti, exp } = await bearerToken(c, deps.tokens);
        if (jti === undefined) throw new ApiError(401, 'unauthorized', 'the token is invalid or expired');
        await deps.revocations.revokeToken(identity.userId, jti, exp);
        return c.body(null, 204);
      },
    ),

    route(
      {
        method: 'put',
        path: '/password',
        access: 'credentials',
        summary: "Change the caller's password (bearer token and current password); revokes every token signed before",
        body: passwordChangeBody,
        ok: { status: 204, description: 'Changed; every earlier token of the account is refused from now on' },
        errors: [401],
      },
      async (c) => {
        const { identity } = await liveToken(c);
        const body = c.req.valid('json');
        const found = await deps.users.findCredentialsById(identity.userId);
        if (!(await deps.passwords.verify(found?.password_hash, body.current_password)) || !found)
          throw new ApiError(401, 'unauthorized', 'the current password is incorrect');
        await deps.revocations.changePassword(found.id, await deps.passwords.hash(body.new_password));
        return c.body(null, 204);
      },
    ),

    // Public keys are public: the services fetch them at this instance's own
    // address (IDENTITY_JWKS_URL), the gateway serves them like any public route.
    route(
      {
        method: 'get',
        path: forwardAuthService().identityKeys,
        access: 'public',
        summary: 'The public keys (JWKS) that verify identity assertions',
        ok: { status: 200, description: 'Ed25519 keys, the signing one first', schema: jwks },
      },
      (c) => {
        // Short: a rotation reaches caches soon; verifiers also fetch at once for a kid they do not know.
        c.header('Cache-Control', 'public, max-age=60');
        return c.json(deps.jwks);
      },
    ),

    route(
      {
        method: 'get',
        path: '/me',
        access: 'user',
        summary: 'The calling account',
        ok: { status: 200, description: 'The caller', schema: user },
      },
      async (c) => {
        const caller = await deps.users.findById(c.var.identity.userId);
        if (!caller) throw new ApiError(401, 'unauthorized', 'the account no longer exists');
        return c.json(caller);
      },
    ),
  ];
}

/**
 * The gateway's errors middleware fetches the body of a response it
 * generated itself (a 429 from the rate limiter) from here, and its catch-all
 * router the 404 of a path no service claims. Internal: in neither the
 * document nor the routers.
 */
export const errorPages = new Hono().all('/errors/:status{[45][0-9]{2}}', (c) => {
  const status = Number(c.req.param('status'));
  if (status === 429) throw new ApiError(429, 'rate_limited', 'too many attempts; slow down and retry shortly');
  // Also what the gateway answers for a path no service claims.
  throw new ApiError(404, 'not_found', 'no route for this path');
});
