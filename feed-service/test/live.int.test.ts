import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { createKafka, freePort, IDENTITY_HEADERS } from '@feedmesh/common';
import {
  eventually,
  newUser,
  openEventStream,
  restore,
  serviceUrl,
  spawnService,
  stack,
  stackAssertions,
  supervisedPids,
  type EventStream,
  type SpawnedService,
  type TestUser,
} from '@feedmesh/testkit';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedStore } from '../src/feeds.js';
import { compareStreamIds } from '../src/live.js';
import { created } from './events.js';

// Live streams end to end through the gateway (the mesh's own feed-service), and, for what needs
// settings of its own (a small window, fast heartbeats, low limits, a SIGTERM), on a feed-service of
// the test's own: its own keys, fed straight through the consumer's scripts, and topics of its own.

const someone = (tag: string) => newUser(tag, serviceUrl('auth-service'));
const send = (user: TestUser, method: string, path: string, body?: unknown) =>
  fetch(`${stack.gatewayUrl}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
const post = async (user: TestUser, title: string) => {
  const res = await send(user, 'POST', '/posts', { title, content: 'live' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
};
const live = (path = '', headers: Record<string, string> = {}) =>
  openEventStream(`${stack.gatewayUrl}/api/activity-stream${path}/live`, headers);
const about = (postId: string, type?: string) => (e: { data: string; event?: string }) =>
  (type === undefined || e.event === type) && (JSON.parse(e.data) as { id?: string }).id === postId;

const opened: EventStream[] = [];
const track = (s: EventStream) => (opened.push(s), s);
const liveRedis = new Redis(stack.redisUrl);
afterAll(async () => {
  opened.forEach((s) => s.close());
  await liveRedis.quit();
});

describe('live streams through the gateway', () => {
  it('send each change of a post as it is applied, with an id, a post.deleted included', async () => {
    const ann = await someone('streamer');
    const stream = track(await live());
    expect(stream.status).toBe(200);
    const id = await post(ann, 'live at once');
    const made = await stream.next(about(id, 'post.created'));
    expect(JSON.parse(made.data)).toMatchObject({ id, author_id: ann.id, title: 'live at once' });
    expect(made.id).toMatch(/^\d+-\d+$/);
    expect((await send(ann, 'PUT', `/posts/${id}`, { title: 'live, edited' })).status).toBe(200);
    expect(JSON.parse((await stream.next(about(id, 'post.updated'))).data)).toMatchObject({ title: 'live, edited' });
    expect((await send(ann, 'DELETE', `/posts/${id}`)).status).toBe(204);
    expect(JSON.parse((await stream.next(about(id, 'post.deleted'))).data)).toEqual({ id, author_id: ann.id });
    expect(stream.retries[0]).toBeGreaterThan(0);
  });

  it("keep the home stream behind a token, and send only the caller's and their followees' posts, follows made meanwhile counted", async () => {
    const refused = await live('/home');
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.refusal)).toMatchObject({ error: { code: 'unauthorized' } });
    const [reader, followed, stranger] = [
      await someone('homelive'),
      await someone('homelive'),
      await someone('homelive'),
    ];
    for (const u of [followed, stranger])
      expect((await send(u, 'POST', '/profile', { display_name: 'x' })).status).toBe(201);
    expect((await send(reader, 'PUT', `/profile/following/${followed.id}`)).status).toBe(200);
    // Whether the follow reached feed-service's graph before the stream opens or after, the stream knows it.
    const stream = track(await live('/home', { authorization: `Bearer ${reader.token}` }));
    expect(stream.status).toBe(200);
    const strangers = await post(stranger, 'not for the reader');
    const theirs = await post(followed, 'for the reader');
    const own = await post(reader, "the reader's own");
    await stream.next(about(theirs));
    await stream.next(about(own));
    expect((await send(reader, 'PUT', `/profile/following/${stranger.id}`)).status).toBe(200);
    // Once the follow is applied (in feed-service's graph), the new followee's posts come through too.
    const graph = new FeedStore(liveRedis);
    await eventually(async () => (await graph.home.followers(stranger.id)).includes(reader.id), 10_000);
    const later = await post(stranger, 'after the follow');
    await stream.next(about(later));
    expect(stream.events.some(about(strangers))).toBe(false);
  });

  it('resume from Last-Event-ID with nothing missed or repeated, across a SIGKILL of feed-service', async () => {
    const ann = await someone('resumer');
    const first = track(await live());
    const before = await post(ann, 'seen before the kill');
    const last = (await first.next(about(before))).id!;
    const pid = supervisedPids().get('feed-service')!;
    process.kill(pid, 'SIGKILL');
    await eventually(async () => first.ended(), 10_000);
    const missed = [await post(ann, 'missed 1'), await post(ann, 'missed 2')];
    await restore('feed-service');
    const again = track(await live('', { 'last-event-id': last }));
    expect(again.status).toBe(200);
    for (const id of missed) await again.next(about(id, 'post.created'));
    const ids = again.events.map((e) => e.id!);
    expect(again.events.some(about(before))).toBe(false);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort(compareStreamIds)).toEqual(ids);
  });

  it("end a home stream with `revoked` within a second of its token's logout, or of a password change", async () => {
    const reader = await someone('revokee');
    const login = await fetch(`${stack.gatewayUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: reader.email, password: reader.password }),
    });
    const second = ((await login.json()) as { access_token: string }).access_token;
    const home = (token: string) => live('/home', { authorization: `Bearer ${token}` });
    const [first, other] = [track(await home(reader.token)), track(await home(second))];
    expect([first.status, other.status]).toEqual([200, 200]);

    const loggedOut = performance.now();
    expect((await send(reader, 'POST', '/auth/logout')).status).toBe(204);
    const revoked = await first.next((e) => e.event === 'revoked', 5_000);
    expect(revoked.at - loggedOut).toBeLessThan(1_000);
    expect(JSON.parse(revoked.data)).toMatchObject({ reason: expect.stringContaining('revoked') });
    await eventually(async () => first.ended(), 2_000);

    // The other token's stream is another session's: it goes on, until the password changes.
    const still = await post({ ...reader, token: second }, 'after one logout');
    await other.next(about(still, 'post.created'));
    expect(other.ended()).toBe(false);
    const changed = performance.now();
    const res = await send({ ...reader, token: second }, 'PUT', '/auth/password', {
      current_password: reader.password,
      new_password: 'another horse battery',
    });
    expect(res.status).toBe(204);
    expect((await other.next((e) => e.event === 'revoked', 5_000)).at - changed).toBeLessThan(1_000);
    await eventually(async () => other.ended(), 2_000);
  });

  it('refuses a home stream whose token was revoked after the gateway let the request through, with a 401', async () => {
    const reader = await someone('revokee');
    const jti = (JSON.parse(Buffer.from(reader.token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    expect((await send(reader, 'POST', '/auth/logout')).status).toBe(204);
    // As the gateway would have sent it a moment before the logout: an assertion naming the token.
    const assertion = await (
      await stackAssertions()
    ).sign({ userId: reader.id, username: reader.username, token: { id: jti, generation: 0 } });
    const headers = { [IDENTITY_HEADERS.userId]: reader.id, [IDENTITY_HEADERS.assertion]: assertion };
    await eventually(async () => {
      const refused = await openEventStream(`${serviceUrl('feed-service')}/api/activity-stream/home/live`, headers);
      refused.close();
      return refused.status === 401 && JSON.parse(refused.refusal).error.code === 'unauthorized';
    }, 5_000);
  });

  it('refuses a Last-Event-ID it never sent with a 400', async () => {
    const bad = await live('', { 'last-event-id': 'yesterday' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.refusal)).toMatchObject({ error: { code: 'validation_failed' } });
  });
});

describe("live streams on a feed-service of the test's own", () => {
  const logger = pino({ level: 'silent' });
  const kafka = createKafka({
    clientId: 'live-test',
    brokers: stack.kafkaBrokers.split(','),
    credentials: stack.kafkaAdmin,
    logger,
  });
  const admin = kafka.admin();
  const topics = [`livetest-${process.pid}-${Date.now()}`, `livetest-social-${process.pid}-${Date.now()}`];
  const prefix = `livetest:${randomUUID()}`;
  const redis = new Redis(stack.redisUrl);
  const store = new FeedStore(redis, undefined, prefix, {
    cap: 800,
    fanoutChunk: 256,
    backfill: 100,
    celebrityFollowers: 10_000,
    inactiveAfterMs: 86_400_000,
    liveWindow: 100,
  });
  let svc: SpawnedService;
  const url = () => `${svc.url}/api/activity-stream/live`;
  const start = async (env: Record<string, string> = {}) => {
    const s = spawnService('feed-service', await freePort(), {
      CONSUL_REGISTER: 'false',
      FEED_KEY_PREFIX: prefix,
      FEED_TOPIC: topics[0]!,
      FEED_SOCIAL_TOPIC: topics[1]!,
      CONSUMER_GROUP: `${topics[0]}-group`,
      FEED_LIVE_WINDOW: '100',
      FEED_LIVE_HEARTBEAT_MS: '200',
      FEED_LIVE_MAX_STREAMS: '3',
      FEED_LIVE_MAX_PER_CLIENT: '2',
      FEED_LIVE_MAX_BUFFERED_BYTES: String(64 * 1024),
      SHUTDOWN_DELAY_MS: '0',
      ...env,
    });
    await eventually(async () => (await fetch(`${s.url}/health/live`).catch(() => undefined))?.ok === true, 20_000);
    return s;
  };

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    });
    svc = await start();
  });
  afterAll(async () => {
    svc.proc.kill('SIGKILL');
    await svc.exited;
    await store.wipe();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await redis.quit();
  });

  it('send heartbeats on an idle stream', async () => {
    const stream = track(await openEventStream(url()));
    await eventually(async () => stream.comments.length >= 3, 5_000);
    expect(stream.comments[0]).toContain('heartbeat');
    stream.close();
  });

  it('send a reset to a client whose Last-Event-ID the stream no longer holds, then go on live', async () => {
    const ann = randomUUID();
    const first = track(await openEventStream(url()));
    const early = created(ann, 'early');
    await store.apply(early);
    const last = (await first.next(about(early.data.id))).id!;
    first.close();
    // Far more changes than the window keeps: the one after `last` is trimmed away.
    const flood = Array.from({ length: 400 }, (_, i) => created(ann, `flood ${i}`));
    for (let i = 0; i < flood.length; i += 100) await store.applyAll(flood.slice(i, i + 100));
    const again = track(await openEventStream(url(), { 'last-event-id': last }));
    await again.next((e) => e.event === 'reset');
    expect(again.events.filter((e) => e.event === 'post.created')).toEqual([]);
    const after = created(ann, 'after the reset');
    await store.apply(after);
    await again.next(about(after.data.id));
    again.close();
  });

  it('answers 429 JSON past the streams per client and per instance', async () => {
    const from = (client: string) => openEventStream(url(), { 'x-forwarded-for': client });
    const mine = [track(await from('10.0.0.1')), track(await from('10.0.0.1'))];
    const third = await from('10.0.0.1');
    expect(third.status).toBe(429);
    expect(JSON.parse(third.refusal)).toMatchObject({ error: { code: 'rate_limited' } });
    const other = track(await from('10.0.0.2'));
    expect(other.status).toBe(200);
    const full = await from('10.0.0.3');
    expect(full.status).toBe(429);
    for (const s of [...mine, other]) s.close();
    // Closed streams free their places.
    await eventually(async () => {
      const s = await from('10.0.0.3');
      s.close();
      return s.status === 200;
    }, 5_000);
  });

  it('cut a stream whose client stopped reading, once what waits for it passes the cap, and free its place', async () => {
    const from = (client: string) => openEventStream(url(), { 'x-forwarded-for': client });
    // Asks for the stream and never reads a byte of it.
    const stalled = () => {
      const socket = connect(Number(new URL(svc.url).port), '127.0.0.1');
      socket.pause();
      socket.write(
        'GET /api/activity-stream/live HTTP/1.1\r\nhost: feed\r\nx-forwarded-for: 10.0.0.7\r\naccept: text/event-stream\r\n\r\n',
      );
      return socket;
    };
    const sockets = [stalled(), stalled()];
    const refused = async () => {
      const probe = await from('10.0.0.7');
      probe.close();
      return probe.status === 429;
    };
    try {
      await eventually(refused, 5_000); // both of the client's places taken
      // Far more than the sockets' kernel buffers hold, so the rest waits in feed-service.
      const ann = randomUUID();
      const big = Array.from({ length: 1_500 }, (_, i) => {
        const e = created(ann, `big ${i}`);
        return { ...e, data: { ...e.data, content: 'x'.repeat(10_000) } };
      });
      for (let i = 0; i < big.length; i += 100) await store.applyAll(big.slice(i, i + 100));
      await eventually(async () => !(await refused()), 10_000);
    } finally {
      sockets.forEach((s) => s.destroy());
    }
  });

  it('on SIGTERM, tell each stream to reconnect before it ends', async () => {
    const stream = track(await openEventStream(url()));
    expect(stream.status).toBe(200);
    svc.proc.kill('SIGTERM');
    await stream.next((e) => e.event === 'shutdown', 5_000);
    await eventually(async () => stream.ended(), 5_000);
    expect(await svc.exited).toBe(0);
    svc = await start();
  });
});
