import { randomBytes } from 'node:crypto';
import {
  forwardAuthService,
  freePort,
  IDENTITY_HEADERS,
  identityAssertions,
  identityKeyRing,
  PUBLISHED_KEYS,
  type IdentityJwt,
} from '@feedmesh/common';
import { SignJWT, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  getJson,
  identityJwksUrl,
  newUser,
  serviceUrl,
  spawnService,
  stack,
  stackAssertions,
  type SpawnedService,
  type TestUser,
} from '@feedmesh/testkit';

// Identity assertions as an attacker who holds some key would make them,
// sent straight at each service's own port (bypassing the gateway, as any
// local process can): only auth-service's private Ed25519 key is accepted.

/** One route of each service that acts for the caller, at the service's own address. */
const userRoutes = [
  ['auth-service', 'GET', '/api/auth/me'],
  ['profile-service', 'GET', '/api/profile'],
  ['posts-service', 'POST', '/api/posts'],
  ['feed-service', 'GET', '/api/activity-stream/user'],
] as const;

let alice: TestUser;
let stackRing: Awaited<ReturnType<typeof identityKeyRing>>;
beforeAll(async () => {
  alice = await newUser('idsec');
  stackRing = await identityKeyRing(stack.identitySigningKey);
});

const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({
  sub: alice.id,
  name: alice.username,
  iss: 'feedmesh-gateway-auth',
  aud: 'feedmesh-services',
  iat: now(),
  exp: now() + 30,
});

async function asAlice(baseUrl: string, method: string, path: string, assertion: string) {
  return fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      [IDENTITY_HEADERS.userId]: alice.id,
      [IDENTITY_HEADERS.username]: alice.username,
      [IDENTITY_HEADERS.assertion]: assertion,
      'content-type': 'application/json',
    },
    body: method === 'POST' ? JSON.stringify({ title: 'idsec', content: 'signed by auth-service' }) : undefined,
  });
}

describe("auth-service's public keys", () => {
  it('are served at its own address and through the gateway, Ed25519 only, the signing key first', async () => {
    const { prefix, identityKeys } = forwardAuthService();
    for (const url of [identityJwksUrl(), `${stack.gatewayUrl}${prefix}${identityKeys}`]) {
      const { status, body } = await getJson<JSONWebKeySet>(url);
      expect(status, url).toBe(200);
      expect(body.keys[0]?.kid, url).toBe(stackRing.kid);
      for (const key of body.keys) {
        expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
        expect(key, 'no private part').not.toHaveProperty('d');
      }
    }
  });

  it('are documented in its OpenAPI document, as a public operation', async () => {
    const { prefix, identityKeys } = forwardAuthService();
    const { body } = await getJson<{ paths: Record<string, { get?: { security?: unknown[] } }> }>(
      `${stack.gatewayUrl}${prefix}/openapi.json`,
    );
    const op = body.paths[`${prefix}${identityKeys}`]?.get;
    expect(op).toBeDefined();
    expect(op?.security ?? []).toEqual([]);
  });
});

describe('an identity assertion at each service', () => {
  it("is accepted when auth-service's key signed it (so the refusals below are the key's doing)", async () => {
    const genuine = await (await stackAssertions()).sign({ userId: alice.id, username: alice.username });
    for (const [name, method, path] of userRoutes) {
      const res = await asAlice(serviceUrl(name), method, path, genuine);
      expect(res.status, `${name} ${method} ${path}`).not.toBe(401);
    }
  });

  const hs256 = (key: string, kid?: string) =>
    new SignJWT(claims())
      .setProtectedHeader(kid ? { alg: 'HS256', typ: 'JWT', kid } : { alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(key));
  const forged: Array<[string, () => Promise<string>]> = [
    ...[...PUBLISHED_KEYS].flatMap((key): Array<[string, () => Promise<string>]> => [
      [`HS256 with the published key ${key}`, () => hs256(key)],
      [`HS256 with the published key ${key}, under auth-service's kid`, () => hs256(key, stackRing.kid)],
    ]),
    ["HS256 with the installation's access-token secret", () => hs256(stack.jwtSecret, stackRing.kid)],
    // The old scheme's key as HMAC material: the seed is auth-service's only, but HS256 must not pass at all.
    ["HS256 with auth-service's own seed as the secret", () => hs256(stack.identitySigningKey, stackRing.kid)],
    [
      "EdDSA with a stranger's Ed25519 key under auth-service's kid",
      async () => {
        const { key } = await (await identityKeyRing(randomBytes(32).toString('hex'))).keys.signing!;
        return new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: stackRing.kid }).sign(key);
      },
    ],
    [
      "EdDSA with a stranger's Ed25519 key under its own kid",
      async () =>
        identityAssertions((await identityKeyRing(randomBytes(32).toString('hex'))).keys).sign({
          userId: alice.id,
          username: alice.username,
        }),
    ],
  ];

  it.each(forged)('is refused by every service when signed with %s', async (_, make) => {
    const assertion = await make();
    for (const [name, method, path] of userRoutes) {
      const res = await asAlice(serviceUrl(name), method, path, assertion);
      expect(res.status, `${name} ${method} ${path}`).toBe(401);
    }
  });
});

describe('a rotation of the signing key', () => {
  // An auth-service and a profile-service of the test's own, out of Consul: the
  // profile-service fetches its keys from that auth-service, which the test
  // starts with a new key (the stack's as the previous one) and then stops.
  const started: SpawnedService[] = [];
  const NEW = randomBytes(32).toString('hex');
  const jwksOf = (auth: SpawnedService) =>
    `${auth.url}${forwardAuthService().prefix}${forwardAuthService().identityKeys}`;
  const spawnReady = async (name: string, env: Record<string, string>) => {
    const svc = spawnService(name, await freePort(), { CONSUL_REGISTER: 'false', ...env });
    started.push(svc);
    await eventually(async () => (await fetch(`${svc.url}/health/live`)).ok, 20_000, 100, `${name} up`);
    return svc;
  };
  afterAll(async () => {
    for (const svc of started.splice(0))
      if (svc.proc.exitCode === null && svc.proc.signalCode === null) {
        svc.proc.kill('SIGTERM');
        await svc.exited;
      }
  });
  const sign = (jwt: IdentityJwt, tag: string) => jwt.sign({ userId: alice.id, username: `${alice.username}${tag}` });
  const profileAccepts = async (profile: SpawnedService, assertion: string) => {
    const res = await fetch(`${profile.url}/api/profile`, {
      headers: { [IDENTITY_HEADERS.userId]: alice.id, [IDENTITY_HEADERS.assertion]: assertion },
    });
    return res.status !== 401;
  };

  it('is followed by verifiers: the new kid is fetched, old assertions verify until they expire, a removed key refuses', async () => {
    const oldKeys = await stackAssertions();
    const newKeys = identityAssertions((await identityKeyRing(NEW)).keys);
    const auth = await spawnReady('auth-service', {
      IDENTITY_SIGNING_KEY: NEW,
      IDENTITY_PREVIOUS_KEYS: stack.identitySigningKey,
    });
    const { body } = await getJson<JSONWebKeySet>(jwksOf(auth));
    expect(body.keys.map((k) => k.kid)).toEqual([(await identityKeyRing(NEW)).kid, stackRing.kid]);

    const profile = await spawnReady('profile-service', { IDENTITY_JWKS_URL: jwksOf(auth) });
    expect(await profileAccepts(profile, await sign(oldKeys, 'a'))).toBe(true);
    expect(await profileAccepts(profile, await sign(newKeys, 'b'))).toBe(true);

    // auth-service away: the verifier keeps its cached keys.
    auth.proc.kill('SIGTERM');
    await auth.exited;
    expect(await profileAccepts(profile, await sign(newKeys, 'c'))).toBe(true);

    // The previous key removed: a verifier that learns the new set refuses what it signed.
    const authAfter = await spawnReady('auth-service', { IDENTITY_SIGNING_KEY: NEW });
    const profileAfter = await spawnReady('profile-service', { IDENTITY_JWKS_URL: jwksOf(authAfter) });
    expect(await profileAccepts(profileAfter, await sign(newKeys, 'd'))).toBe(true);
    expect(await profileAccepts(profileAfter, await sign(oldKeys, 'e'))).toBe(false);
  });
});

describe('logout and password change', () => {
  const started: SpawnedService[] = [];
  afterAll(async () => {
    for (const svc of started.splice(0))
      if (svc.proc.exitCode === null && svc.proc.signalCode === null) {
        svc.proc.kill('SIGTERM');
        await svc.exited;
      }
  });
  const { prefix, forwardAuth } = forwardAuthService();
  const me = (token: string) =>
    fetch(`${stack.gatewayUrl}${prefix}/me`, { headers: { authorization: `Bearer ${token}` } });
  const validateAt = (base: string, token: string) =>
    fetch(`${base}${prefix}${forwardAuth}`, { headers: { authorization: `Bearer ${token}` } });
  const login = async (email: string, password: string) => {
    const res = await fetch(`${stack.gatewayUrl}${prefix}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return { status: res.status, token: res.ok ? ((await res.json()) as { access_token: string }).access_token : '' };
  };

  it('revokes the token: 401 at the gateway and at every auth-service instance within a second; again 204', async () => {
    const bob = await newUser('idsec_logout');
    // A second instance, as another machine would run it: it learns of the logout from PostgreSQL alone.
    const other = spawnService('auth-service', await freePort(), { CONSUL_REGISTER: 'false' });
    started.push(other);
    await eventually(async () => (await fetch(`${other.url}/health/live`)).ok, 20_000, 100, 'auth-service up');
    expect((await me(bob.token)).status).toBe(200);
    expect((await validateAt(other.url, bob.token)).status).toBe(200);

    const out = await fetch(`${stack.gatewayUrl}${prefix}/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(out.status).toBe(204);
    const gone = await eventually(async () => (await me(bob.token)).status === 401, 1_000, 20, 'gateway 401');
    const goneThere = await eventually(
      async () => (await validateAt(other.url, bob.token)).status === 401,
      1_000,
      20,
      'other instance 401',
    );
    expect(gone.ms + goneThere.ms).toBeLessThan(1_000);
    const again = await fetch(`${stack.gatewayUrl}${prefix}/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(again.status).toBe(204);
  });

  it('refuses a logout without a valid token', async () => {
    const res = await fetch(`${stack.gatewayUrl}${prefix}/logout`, {
      method: 'POST',
      headers: { authorization: 'Bearer a.b.c' },
    });
    expect(res.status).toBe(401);
  });

  it("revokes all of the user's older tokens on a password change, and only the new password logs in", async () => {
    const carol = await newUser('idsec_pw');
    const second = await login(carol.email, carol.password);
    expect(second.status).toBe(200);
    const change = (token: string, current: string) =>
      fetch(`${stack.gatewayUrl}${prefix}/password`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ current_password: current, new_password: 'a brand new passphrase' }),
      });
    expect((await change(carol.token, 'not the password')).status).toBe(401);
    expect((await me(carol.token)).status).toBe(200);

    expect((await change(carol.token, carol.password)).status).toBe(204);
    for (const token of [carol.token, second.token])
      await eventually(async () => (await me(token)).status === 401, 1_000, 20, 'older token refused');
    expect((await login(carol.email, carol.password)).status).toBe(401);
    const fresh = await login(carol.email, 'a brand new passphrase');
    expect(fresh.status).toBe(200);
    expect((await me(fresh.token)).status).toBe(200);
  });
});
