import { randomUUID } from 'node:crypto';
import type { SocialEvent } from '@feedmesh/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mesh,
  newUser,
  restore,
  serviceUrl,
  socialEventsEnd,
  stack,
  tapSocialEvents,
  type TestUser,
} from '@feedmesh/testkit';

// The follow graph end to end: client → Traefik (forward-auth) → profile-service →
// PostgreSQL (the change and its outbox entry in one transaction) → Kafka social-events.
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
afterAll(() => db.end());

// Many users: made at auth-service's own address, past the gateway's credentials rate limit.
const someone = (tag: string) => newUser(tag, serviceUrl('auth-service'));

const call = (user: TestUser, method: string, path: string, body?: unknown) =>
  fetch(`${stack.gatewayUrl}/api/profile${path}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

const json = async <T = Record<string, unknown>>(res: Response) => ({
  status: res.status,
  body: (await res.json()) as T,
});

/** A user with a profile: only a user with a profile can be followed. */
async function withProfile(tag: string): Promise<TestUser> {
  const user = await someone(tag);
  expect((await call(user, 'POST', '', { display_name: tag })).status).toBe(201);
  return user;
}

const follow = (who: TestUser, whom: string) => call(who, 'PUT', `/following/${whom}`);
const unfollow = (who: TestUser, whom: string) => call(who, 'DELETE', `/following/${whom}`);
const byFollower = (user: TestUser) => (e: SocialEvent) => e.data.follower_id === user.id;

interface Page {
  items: Array<{ user_id: string; followed_at: string }>;
  limit: number;
  count: number;
  next: string | null;
}

/** Every page of a listing, following `next` as it is given. */
async function allPages(reader: TestUser, path: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let next: string | null = null;
  do {
    const query: string = `?limit=${limit}${next === null ? '' : `&before=${encodeURIComponent(next)}`}`;
    const { status, body } = await json<Page>(await call(reader, 'GET', `${path}${query}`));
    expect(status).toBe(200);
    expect(body.count).toBe(body.items.length);
    ids.push(...body.items.map((i) => i.user_id));
    next = body.next;
    pages++;
  } while (next !== null);
  return { ids, pages };
}

let ann: TestUser;
let bob: TestUser;
beforeAll(async () => {
  [ann, bob] = [await withProfile('ann'), await withProfile('bob')];
});

describe('following through the gateway', () => {
  it('is idempotent, and publishes one event per change, keyed by the follower, with the pair version', async () => {
    const fan = await someone('fan');
    const tap = await tapSocialEvents();
    const first = await json(await follow(fan, bob.id));
    expect(first).toMatchObject({ status: 200, body: { follower_id: fan.id, followee_id: bob.id } });
    expect(await json(await follow(fan, bob.id))).toEqual(first);
    expect((await unfollow(fan, bob.id)).status).toBe(204);
    expect((await unfollow(fan, bob.id)).status).toBe(204);
    const again = await json<{ followed_at: string }>(await follow(fan, bob.id));
    expect(again.status).toBe(200);
    expect(Date.parse(again.body.followed_at)).toBeGreaterThanOrEqual(Date.parse(String(first.body.followed_at)));

    const messages = await tap.waitForMessages(byFollower(fan), 3);
    await tap.close();
    expect(messages.map((m) => [m.event.type, m.event.data.version])).toEqual([
      ['user.followed', 1],
      ['user.unfollowed', 2],
      ['user.followed', 3],
    ]);
    expect(messages.every((m) => m.key === fan.id && m.event.actor === fan.id)).toBe(true);
    expect(messages.every((m) => m.event.data.followee_id === bob.id)).toBe(true);
    expect(new Set(messages.map((m) => m.partition)).size).toBe(1);
    expect(new Set(messages.map((m) => m.event.id)).size).toBe(3);
    expect(messages[0]!.event.time).toBe(first.body.followed_at);

    // Each acknowledged change committed its event with it: the outbox holds exactly what reached the topic.
    const { rows } = await db.query<{ id: string }>('SELECT id FROM social_outbox WHERE key = $1 ORDER BY seq', [
      fan.id,
    ]);
    expect(rows.map((r) => r.id)).toEqual(messages.map((m) => m.event.id));
  });

  it('counts followers and following on the profiles, once per follow', async () => {
    const [star, one, two] = [await withProfile('star'), await withProfile('one'), await someone('two')];
    const counts = async (user: TestUser) => {
      const { body } = await json<{ followers_count: number; following_count: number }>(
        await call(ann, 'GET', `/${user.id}`),
      );
      return [body.followers_count, body.following_count];
    };
    expect(await counts(star)).toEqual([0, 0]);
    await follow(one, star.id);
    await follow(one, star.id);
    await follow(two, star.id);
    await follow(star, one.id);
    expect(await counts(star)).toEqual([2, 1]);
    expect(await counts(one)).toEqual([1, 1]);
    await unfollow(two, star.id);
    await unfollow(two, star.id);
    expect(await counts(star)).toEqual([1, 1]);
    // The caller's own profile carries them too.
    expect(await json(await call(one, 'GET', ''))).toMatchObject({ body: { followers_count: 1, following_count: 1 } });
  });

  it("ends every follow of and by a user whose profile is deleted, each with its unfollow event, and fixes the others' counts", async () => {
    const [leaver, fan, friend] = [await withProfile('leaver'), await withProfile('fan'), await withProfile('friend')];
    const from = await socialEventsEnd();
    expect((await follow(fan, leaver.id)).status).toBe(200);
    expect((await follow(friend, leaver.id)).status).toBe(200);
    expect((await follow(leaver, friend.id)).status).toBe(200);
    expect((await call(leaver, 'DELETE', '')).status).toBe(204);

    const ids = async (user: TestUser, listing: string) => (await allPages(ann, `/${user.id}/${listing}`, 10)).ids;
    expect(await ids(leaver, 'followers')).toEqual([]);
    expect(await ids(leaver, 'following')).toEqual([]);
    expect(await ids(fan, 'following')).toEqual([]);
    expect(await ids(friend, 'followers')).toEqual([]);
    const { body } = await json<{ followers_count: number; following_count: number }>(
      await call(ann, 'GET', `/${friend.id}`),
    );
    expect([body.followers_count, body.following_count]).toEqual([0, 0]);
    // Nobody follows a user without a profile anew.
    expect((await follow(fan, leaver.id)).status).toBe(404);

    const pair = (e: SocialEvent) => [e.type, e.data.follower_id, e.data.followee_id, e.data.version];
    const involved = (e: SocialEvent) => [e.data.follower_id, e.data.followee_id].includes(leaver.id);
    const tap = await tapSocialEvents(from);
    const events = await tap.waitFor(involved, 6);
    await tap.close();
    expect(
      events
        .filter((e) => e.type === 'user.unfollowed')
        .map(pair)
        .sort(),
    ).toEqual(
      [
        ['user.unfollowed', fan.id, leaver.id, 2],
        ['user.unfollowed', friend.id, leaver.id, 2],
        ['user.unfollowed', leaver.id, friend.id, 2],
      ].sort(),
    );
    // Back with a new profile, the user starts with nobody.
    expect((await call(leaver, 'POST', '', { display_name: 'back' })).status).toBe(201);
    expect(await json(await call(leaver, 'GET', ''))).toMatchObject({
      body: { followers_count: 0, following_count: 0 },
    });
  });

  it('refuses following oneself (400) and users it does not know (404), and publishes nothing for either', async () => {
    const lonely = await someone('lonely');
    const tap = await tapSocialEvents();
    for (const method of ['PUT', 'DELETE']) {
      const self = await json(await call(lonely, method, `/following/${lonely.id.toUpperCase()}`));
      expect(self).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    }
    const noProfile = await someone('noprofile');
    for (const whom of [randomUUID(), noProfile.id]) {
      expect(await json(await follow(lonely, whom))).toEqual({
        status: 404,
        body: { error: { code: 'not_found', message: 'no such user' } },
      });
    }
    expect((await follow(lonely, 'not-a-user')).status).toBe(404);
    // Never following: nothing to undo, and nothing to publish.
    expect((await unfollow(lonely, randomUUID())).status).toBe(204);
    // One change that does commit, after the refusals: on the same key, anything they had published comes first.
    expect((await follow(lonely, bob.id)).status).toBe(200);
    const events = await tap.waitFor(byFollower(lonely), 1);
    await tap.close();
    expect(events.map((e) => [e.type, e.data.followee_id])).toEqual([['user.followed', bob.id]]);
    const { rows } = await db.query('SELECT 1 FROM follows WHERE follower_id = $1', [lonely.id]);
    expect(rows).toHaveLength(1);
  });

  it('lists both ends newest follow first, paged by the cursor each page gives', async () => {
    const reader = await withProfile('lister');
    const followees = [];
    for (let i = 0; i < 5; i++) followees.push(await withProfile(`followee${i}`));
    for (const f of followees) expect((await follow(reader, f.id)).status).toBe(200);
    const newestFirst = followees.map((f) => f.id).reverse();

    expect(await allPages(bob, `/${reader.id}/following`, 2)).toEqual({ ids: newestFirst, pages: 3 });
    expect((await allPages(bob, `/${reader.id.toUpperCase()}/following`, 5)).ids).toEqual(newestFirst);
    expect((await allPages(bob, `/${followees[0]!.id}/followers`, 20)).ids).toEqual([reader.id]);

    // Unfollowed: gone from both lists. Followed again: the newest.
    await unfollow(reader, followees[1]!.id);
    expect((await allPages(bob, `/${followees[1]!.id}/followers`, 20)).ids).toEqual([]);
    await follow(reader, followees[1]!.id);
    expect((await allPages(bob, `/${reader.id}/following`, 10)).ids[0]).toBe(followees[1]!.id);

    // A user nobody follows and who follows nobody has empty lists.
    expect(await json(await call(bob, 'GET', `/${randomUUID()}/followers`))).toEqual({
      status: 200,
      body: { items: [], limit: 20, count: 0, next: null },
    });
    for (const query of ['?limit=0', '?limit=101', '?before=nope', '?before=AAAAAAA=', '?skip=1']) {
      const bad = await json(await call(bob, 'GET', `/${reader.id}/following${query}`));
      expect(bad, query).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    }
    expect((await call(bob, 'GET', '/not-a-user/followers')).status).toBe(404);
  });

  it("publishes one follower's changes in the order they were acknowledged", async () => {
    const busy = await someone('busy');
    const others = [bob, ann, await withProfile('third')];
    const tap = await tapSocialEvents();
    const done: Array<[string, string]> = [];
    for (let i = 0; i < 12; i++) {
      const whom = others[i % 3]!.id;
      // Follow each in turn, and every second round unfollow it again.
      const type = Math.floor(i / 3) % 2 === 0 ? 'user.followed' : 'user.unfollowed';
      const res = type === 'user.followed' ? await follow(busy, whom) : await unfollow(busy, whom);
      expect(res.ok).toBe(true);
      done.push([type, whom]);
    }
    const messages = await tap.waitForMessages(byFollower(busy), 12);
    await tap.close();
    expect(messages.map((m) => [m.event.type, m.event.data.followee_id])).toEqual(done);
    expect(new Set(messages.map((m) => m.partition)).size).toBe(1);
    for (const other of others) {
      const versions = messages.filter((m) => m.event.data.followee_id === other.id).map((m) => m.event.data.version);
      expect(versions).toEqual([1, 2, 3, 4]);
    }
  });

  it('acknowledges follows while Kafka is down and publishes each exactly once when it is back', async () => {
    const patient = await someone('patient');
    const from = await socialEventsEnd();
    await mesh('stop', 'kafka');
    try {
      expect((await follow(patient, bob.id)).status).toBe(200);
      expect((await follow(patient, ann.id)).status).toBe(200);
      expect((await unfollow(patient, bob.id)).status).toBe(204);
    } finally {
      await restore('kafka');
    }
    const tap = await tapSocialEvents(from);
    const events = await tap.waitFor(byFollower(patient), 3, 60_000);
    await tap.close();
    expect(events.map((e) => [e.type, e.data.followee_id, e.data.version])).toEqual([
      ['user.followed', bob.id, 1],
      ['user.followed', ann.id, 1],
      ['user.unfollowed', bob.id, 2],
    ]);
    // Stopping and starting the Kafka JVM alone takes 20-40 s on a loaded 2-core machine.
  }, 150_000);
});
