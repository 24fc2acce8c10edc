import {
  ApiError,
  apiRoute,
  IDENTITY_HEADERS,
  OpenAPIHono,
  operation,
  readJson,
  requireIdentity,
  type IdentityJwt,
  type IdentityVariables,
} from '@feedmesh/common';
import type { Passwords } from './passwords.js';
import { loginBody, registerBody, tokenResponse, user } from './schemas.js';
import { DuplicateUserError, type UsersRepository } from './users.js';

export interface AuthRoutesDeps {
  users: UsersRepository;
  passwords: Passwords;
  tokens: IdentityJwt;
  identity: IdentityJwt;
}

const invalidCredentials = () => new ApiError(401, 'unauthorized', 'email or password is incorrect');
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

const register = apiRoute({
  method: 'post',
  path: '/register',
  summary: 'Create an account',
  body: registerBody,
  ok: { status: 201, description: 'The new account', schema: user },
  // 429: the gateway limits credential attempts per client.
  errors: [409, 429],
});

const login = apiRoute({
  method: 'post',
  path: '/login',
  summary: 'Exchange email and password for an access token',
  body: loginBody,
  ok: { status: 200, description: 'An access token', schema: tokenResponse },
  errors: [401, 429],
});

const validate = apiRoute({
  method: 'get',
  path: '/validate',
  summary: "The gateway's forward-auth check of a bearer token",
  bearer: true,
  ok: {
    status: 200,
    description: 'The token is valid; the identity is in the X-User-ID, X-Username and X-Identity-Assertion headers',
  },
});

const me = apiRoute({
  method: 'get',
  path: '/me',
  summary: 'The calling account',
  bearer: true,
  ok: { status: 200, description: 'The caller', schema: user },
});

export function authRoutes(deps: AuthRoutesDeps) {
  const routes = new OpenAPIHono<{ Variables: IdentityVariables }>();

  operation(routes, register, async (c) => {
    const body = await readJson(c, registerBody);
    const passwordHash = await deps.passwords.hash(body.password);
    try {
      const user = await deps.users.create({ email: body.email, username: body.username, passwordHash });
      return c.json(user, 201);
    } catch (err) {
      if (err instanceof DuplicateUserError) throw new ApiError(409, 'conflict', `${err.field} is already registered`);
      throw err;
    }
  });

  operation(routes, login, async (c) => {
    const body = await readJson(c, loginBody);
    const user = await deps.users.findCredentials(body.email);
    // Unknown email and wrong password take the same path and the same time.
    if (!(await deps.passwords.verify(user?.password_hash, body.password)) || !user) throw invalidCredentials();
    const access_token = await deps.tokens.sign({ userId: user.id, username: user.username });
    return c.json({ access_token, token_type: 'bearer', expires_in: deps.tokens.ttlSeconds });
  });

  // Traefik's forwardAuth: 200 with the identity headers it copies onto the
  // request, or a 401 it returns to the client as is.
  operation(routes, validate, async (c) => {
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, 'unauthorized', 'a bearer token is required');
    }
    const claims = await deps.tokens.verify(token).catch(() => {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new ApiError(401, 'unauthorized', 'the token is invalid or expired');
    });
    c.header(IDENTITY_HEADERS.userId, claims.userId);
    c.header(IDENTITY_HEADERS.username, claims.username);
    c.header(IDENTITY_HEADERS.assertion, await deps.identity.sign(claims));
    return c.body(null, 200);
  });

  operation(routes, me, requireIdentity(deps.identity), async (c) => {
    const user = await deps.users.findById(c.var.identity.userId);
    if (!user) throw new ApiError(401, 'unauthorized', 'the account no longer exists');
    return c.json(user);
  });

  // The gateway's errors middleware fetches the body of a response it
  // generated itself (a 429 from the rate limiter) from here. Internal, so
  // a plain route: not in the document.
  routes.all('/errors/:status{[45][0-9]{2}}', (c) => {
    const status = Number(c.req.param('status'));
    if (status === 429) throw new ApiError(429, 'rate_limited', 'too many attempts; slow down and retry shortly');
    // Also what the gateway answers for a path no service claims.
    throw new ApiError(404, 'not_found', 'no route for this path');
  });

  return routes;
}
