import {
  AUTH_TOPIC,
  createApp,
  IDENTITY_HEADERS,
  identityAssertions,
  identityKeyRing,
  migrate,
} from '@feedmesh/common';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack, stackOutbox, tapAuthEvents } from '@feedmesh/testkit';
import { Passwords } from '../src/passwords.js';
import { MIGRATIONS } from '../src/migrations.js';
import { authLog, RevocationStore, Revocations, type AuthOutboxEntry } from '../src/revocations.js';
import { authRoutes, errorPages } from '../src/routes.js';
import { accessTokens } from '../src/tokens.js';
import { UsersRepository } from '../src/users.js';

// The real app against the stack's real PostgreSQL, driven in-process.
const logger = pino({ level: 'silent' });
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
const ring = await identityKeyRing('1'.repeat(64));
const assertions = identityAssertions(ring.keys);
const tokens = accessTokens('t'.repeat(32), 24 * 3600);
let app: ReturnType<typeof createApp>;
// Revocations are published to the stack's Kafka, as this suite's own instance.
const instance = `auth-service-test-${process.pid}`;
const log = authLog(db);
const { outbox, close: closeOutbox } = stackOutbox<AuthOutboxEntry>({
  service: 'auth-service',
  log,
  topic: AUTH_TOPIC,
  instance,
});
const revocations = new RevocationStore(
  db,
  new Revocations(),
  { log, publisher: outbox, instance },
  { url: stack.databaseUrl, logger },
);

beforeAll(async () => {
  await migrate({ databaseUrl: stack.databaseUrl, ...MIGRATIONS, logger });
  await revocations.start();
  await outbox.start();
  app = createApp({
    service: 'auth-service',
    logger,
    instance: 'test',
    checks: { postgres: () => db.query('select 1') },
    assertions,
    routes: authRoutes({
      users: new UsersRepository(db),
      passwords: await Passwords.create(),
      tokens,
      assertions,
      jwks: ring.jwks,
      revocations,
    }),
    internal: errorPages,
  });
});
afterAll(async () => {
  await closeOutbox();
  await revocations.close();
  await db.end();
});

const run = `${process.pid}${Date.now().toString(36)}`;
let n = 0;
const fresh = () => {
  n += 1;
  return { email: `user${n}.${run}@example.com`, username: `u${n}_${run}`, password: 'correct horse battery' };
};
const post = (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  app.request(`/api/auth${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const json = async (res: Response) => (await res.json()) as Record<string, unknown> & { error?: { code: string } };

describe('POST /api/auth/register', () => {
  it('creates the user and answers 201 without any password hash', async () => {
    const u = fresh();
    const res = await post('/register', { ...u, email: ` ${u.email.toUpperCase()} ` });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toMatchObject({ email: u.email, username: u.username });
    expect(Object.keys(body).sort()).toEqual(['created_at', 'email', 'id', 'username']);
    const { rows } = await db.query<{ password_hash: string }>('select password_hash from users where email = $1', [
      u.email,
    ]);
    expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });

  it('answers 409 for an email already registered, in any case', async () => {
    const u = fresh();
    expect((await post('/register', u)).status).toBe(201);
    const res = await post('/register', { ...fresh(), email: u.email.toUpperCase() });
    expect(res.status).toBe(409);
    expect(await json(res)).toEqual({ error: { code: 'conflict', message: 'email is already registered' } });
  });

  it('answers 409 for a username already taken, in any case', async () => {
    const u = fresh();
    expect((await post('/register', u)).status).toBe(201);
    const res = await post('/register', { ...fresh(), username: u.username.toUpperCase() });
    expect(res.status).toBe(409);
    expect((await json(res)).error?.code).toBe('conflict');
  });

  it.each([
    ['malformed JSON', '{"email": "a@b.co",', 400, 'invalid_json'],
    ['a JSON array', '[]', 400, 'validation_failed'],
    ['an invalid email', { email: 'nope', username: 'abc', password: 'longenough' }, 400, 'validation_failed'],
    ['a short password', { email: 'a@b.co', username: 'abc', password: 'short' }, 400, 'validation_failed'],
    [
      'an extra-long username',
      { email: 'a@b.co', username: 'x'.repeat(500), password: 'longenough' },
      400,
      'validation_failed',
    ],
    ['a missing field', { email: 'a@b.co', password: 'longenough' }, 400, 'validation_failed'],
    [
      'an operator object in a field',
      { email: { $gt: '' }, username: 'abc', password: 'longenough' },
      400,
      'validation_failed',
    ],
    [
      'a body over 64 KiB',
      { email: 'a@b.co', username: 'abc', password: 'p'.repeat(70_000) },
      413,
      'payload_too_large',
    ],
  ])('refuses %s with %i %s', async (_, body, status, code) => {
    const res = await post('/register', body);
    expect(res.status).toBe(status);
    expect((await json(res)).error?.code).toBe(code);
  });

  it('refuses a body that is not declared as JSON with 415', async () => {
    const res = await post('/register', fresh(), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect((await json(res)).error?.code).toBe('unsupported_media_type');
  });

  it('refuses bytes that are not UTF-8 with 400', async () => {
    const res = await app.request('/api/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    });
    expect(res.status).toBe(400);
  });
});

describe('POST /api/auth/login', () => {
  it('answers a 24-hour bearer token for the right password', async () => {
    const u = fresh();
    await post('/register', u);
    const res = await post('/login', { email: u.email.toUpperCase(), password: u.password });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 86_400 });
    expect(await tokens.verify(String(body.access_token))).toMatchObject({ username: u.username });
  });

  it('gives an unknown email and a wrong password the same 401, in about the same time', async () => {
    const u = fresh();
    await post('/register', u);
    const timed = async (body: object) => {
      const started = performance.now();
      const res = await post('/login', body);
      return { ms: performance.now() - started, status: res.status, body: await json(res) };
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await timed({ email: u.email, password: 'wrong password' });
      const b = await timed({ email: `nobody.${run}@example.com`, password: 'wrong password' });
      expect([a.status, b.status]).toEqual([401, 401]);
      expect(a.body).toEqual(b.body);
      wrong.push(a.ms);
      unknown.push(b.ms);
    }
    // Both paths run one full argon2 verification; without the decoy the unknown email would answer ~instantly.
    expect(median(unknown) / median(wrong)).toBeGreaterThan(0.5);
    expect(median(unknown) / median(wrong)).toBeLessThan(2);
  });
});

describe('GET /api/auth/validate (the gateway forward-auth)', () => {
  it('answers 200 with the user id, the username and an assertion the services accept', async () => {
    const u = fresh();
    const user = await json(await post('/register', u));
    const token = String((await json(await post('/login', { email: u.email, password: u.password }))).access_token);
    const res = await app.request('/api/auth/validate', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get(IDENTITY_HEADERS.userId)).toBe(user.id);
    expect(res.headers.get(IDENTITY_HEADERS.username)).toBe(u.username);
    // It names the token it vouches for, by what revocation looks at: what a live stream ends by.
    const { jti } = await tokens.verifyToken(token);
    expect(await assertions.verify(res.headers.get(IDENTITY_HEADERS.assertion)!)).toEqual({
      userId: user.id,
      username: u.username,
      token: { id: jti, generation: 0 },
    });
  });

  it.each([
    ['no Authorization header', undefined],
    ['a non-bearer scheme', 'Basic dXNlcjpwYXNz'],
    ['a garbage token', 'Bearer garbage'],
    ['a token signed with another key', 'other-key'],
  ])('answers 401 JSON for %s', async (_, header) => {
    const value =
      header === 'other-key'
        ? `Bearer ${await accessTokens('x'.repeat(32), 60).sign({ userId: 'u', username: 'n' })}`
        : header;
    const res = await app.request('/api/auth/validate', { headers: value ? { authorization: value } : {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await json(res)).error?.code).toBe('unauthorized');
    expect(res.headers.get(IDENTITY_HEADERS.userId)).toBeNull();
  });
});

describe('revocations on auth-events', () => {
  it('publishes a logout once, keyed by its user, and a password change with the new generation', async () => {
    const u = fresh();
    const user = await json(await post('/register', u));
    const token = String((await json(await post('/login', { email: u.email, password: u.password }))).access_token);
    const { jti, exp } = await tokens.verifyToken(token);
    const tap = await tapAuthEvents();
    try {
      const bearer = { authorization: `Bearer ${token}` };
      expect((await post('/logout', '', bearer)).status).toBe(204);
      expect((await post('/logout', '', bearer)).status).toBe(204); // again: nothing new to publish
      const other = String((await json(await post('/login', { email: u.email, password: u.password }))).access_token);
      const change = await app.request('/api/auth/password', {
        method: 'PUT',
        headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
        body: JSON.stringify({ current_password: u.password, new_password: 'another horse battery' }),
      });
      expect(change.status).toBe(204);
      const mine = await tap.waitForMessages((e) => e.data.user_id === user.id, 2);
      expect(mine.map((m) => m.key)).toEqual([user.id, user.id]);
      expect(mine.map((m) => m.event)).toMatchObject([
        { type: 'token.revoked', actor: user.id, data: { user_id: user.id, jti, expires_at: exp } },
        { type: 'user.tokens_revoked', actor: user.id, data: { user_id: user.id, generation: 1 } },
      ]);
    } finally {
      await tap.close();
    }
  });
});

describe('GET /api/auth/me', () => {
  it('answers the caller for a valid assertion and 401 for a bare X-User-ID', async () => {
    const u = fresh();
    const user = await json(await post('/register', u));
    const assertion = await assertions.sign({ userId: String(user.id), username: u.username });
    const ok = await app.request('/api/auth/me', {
      headers: { [IDENTITY_HEADERS.userId]: String(user.id), [IDENTITY_HEADERS.assertion]: assertion },
    });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toEqual(user);
    const forged = await app.request('/api/auth/me', { headers: { 'X-User-ID': String(user.id) } });
    expect(forged.status).toBe(401);
  });
});
