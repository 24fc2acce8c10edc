import { randomUUID } from 'node:crypto';
import {
  createApp,
  IDENTITY_HEADERS,
  identityAssertions,
  identityKeyRing,
  migrate,
  SOCIAL_TOPIC,
} from '@feedmesh/common';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack, stackOutbox } from '@feedmesh/testkit';
import { FollowGraph, type SocialOutboxEntry } from '../src/follows.js';
import { socialLog } from '../src/outbox.js';
import { ProfilesRepository } from '../src/profiles.js';
import { MIGRATIONS } from '../src/migrations.js';
import { profileRoutes } from '../src/routes.js';

// The real app against the stack's real PostgreSQL, driven in-process.
const logger = pino({ level: 'silent' });
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
const assertions = identityAssertions((await identityKeyRing('1'.repeat(64))).keys);
// The follow graph beside it publishes to the stack's Kafka, as its own instance.
const instance = `profile-service-test-${process.pid}`;
const log = socialLog(db);
const { outbox, close: closeOutbox } = stackOutbox<SocialOutboxEntry>({
  service: 'profile-service',
  log,
  topic: SOCIAL_TOPIC,
  instance,
});
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  await migrate({ databaseUrl: stack.databaseUrl, ...MIGRATIONS, logger });
  await outbox.start();
  app = createApp({
    service: 'profile-service',
    logger,
    instance: 'test',
    checks: { postgres: () => db.query('select 1') },
    assertions,
    routes: profileRoutes({
      profiles: new ProfilesRepository(db),
      follows: new FollowGraph(db, log, outbox, instance),
    }),
  });
});
afterAll(async () => {
  await closeOutbox();
  await db.end();
});

async function as(userId: string, method: string, path = '', body?: unknown) {
  const headers: Record<string, string> = {
    [IDENTITY_HEADERS.userId]: userId,
    [IDENTITY_HEADERS.assertion]: await assertions.sign({ userId, username: 'someone' }),
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await app.request(`/api/profile${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { error?: { code: string } },
  };
}

describe('the caller profile', () => {
  it('goes through create, read, partial update and delete', async () => {
    const me = randomUUID();
    expect((await as(me, 'GET')).status).toBe(404);

    const created = await as(me, 'POST', '', {
      display_name: 'Ada',
      bio: 'Counts things',
      website: 'https://ada.example',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      user_id: me,
      display_name: 'Ada',
      bio: 'Counts things',
      avatar_url: null,
      website: 'https://ada.example',
      followers_count: 0,
      following_count: 0,
    });

    expect((await as(me, 'GET')).body).toEqual(created.body);

    const updated = await as(me, 'PUT', '', { location: 'London', bio: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      display_name: 'Ada',
      location: 'London',
      bio: null,
      website: 'https://ada.example',
    });
    expect(Date.parse(String(updated.body.updated_at))).toBeGreaterThanOrEqual(
      Date.parse(String(created.body.updated_at)),
    );

    expect((await as(me, 'DELETE')).status).toBe(204);
    expect((await as(me, 'GET')).status).toBe(404);
    expect((await as(me, 'DELETE')).status).toBe(404);
  });

  it('answers 409 to a second create', async () => {
    const me = randomUUID();
    expect((await as(me, 'POST', '', { display_name: 'One' })).status).toBe(201);
    const again = await as(me, 'POST', '', { display_name: 'Two' });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('conflict');
  });

  it('answers 404 to an update of a profile that does not exist', async () => {
    expect((await as(randomUUID(), 'PUT', '', { bio: 'x' })).status).toBe(404);
  });

  it('always writes the caller profile, whatever the body claims', async () => {
    const me = randomUUID();
    const res = await as(me, 'POST', '', { display_name: 'Me', user_id: randomUUID() });
    expect(res.status).toBe(400);
  });

  it('refuses invalid input with the error shape', async () => {
    const me = randomUUID();
    const bad = await as(me, 'POST', '', { display_name: 'A', website: 'javascript:alert(1)' });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('validation_failed');
    const headers = {
      [IDENTITY_HEADERS.userId]: me,
      [IDENTITY_HEADERS.assertion]: await assertions.sign({ userId: me, username: 'x' }),
    };
    const wrongType = await app.request('/api/profile', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
  });
});

describe('another user profile', () => {
  it('is readable by id; a missing or malformed id is a 404', async () => {
    const other = randomUUID();
    await as(other, 'POST', '', { display_name: 'Other' });
    expect((await as(randomUUID(), 'GET', `/${other}`)).body).toMatchObject({ user_id: other, display_name: 'Other' });
    expect((await as(randomUUID(), 'GET', `/${randomUUID()}`)).status).toBe(404);
    for (const bad of ['not-a-uuid', '..%2F..%2Fetc', "1'%20OR%20'1'='1"]) {
      const res = await as(randomUUID(), 'GET', `/${bad}`);
      expect(res.status, bad).toBe(404);
      expect(res.body.error?.code).toBe('not_found');
    }
  });
});

describe('without a trusted identity', () => {
  it('answers 401 to a bare X-User-ID', async () => {
    const res = await app.request('/api/profile', { headers: { 'X-User-ID': randomUUID() } });
    expect(res.status).toBe(401);
  });
});
