// The six fault scenarios. Each runs its own users under a steady load,
// breaks one thing in the middle, brings it back, then counts.
import { freePort } from '@feedmesh/common';
import {
  allPassing,
  allRouted,
  deregister,
  eventually,
  instances,
  mesh,
  newUser,
  postEventsEnd,
  routedUrls,
  serviceUrl,
  sleep,
  spawnService,
  stack,
  type TestUser,
} from '@feedmesh/testkit';
import { Load, type LoadSummary, type Stream } from './load.js';
import {
  feedLists,
  flushRedis,
  followsInGraph,
  settle,
  snapshotFeeds,
  storedPostIds,
  supervisedPid,
  topicLog,
} from './mesh.js';
import {
  failingUntil,
  reconcile,
  reconcileHome,
  tally,
  type HomeReconciliation,
  type Reconciliation,
  type SeenEvent,
  type Tally,
} from './reconcile.js';

export interface ScenarioResult {
  scenario: string;
  title: string;
  load: LoadSummary & { writes_per_s: number; reads_per_s: number; other_per_s: number };
  requests: { by_kind: Tally; failed: Tally; failed_total: number };
  posts: Omit<Reconciliation, 'lost'> & {
    lost: { store: number; topic: number; feeds: number };
    lost_examples: string[];
  };
  /** The run's follows and its readers' home timelines, counted as the posts are. */
  home: Omit<HomeReconciliation, 'lost'> & { lost: { follows: number; home: number }; lost_examples: string[] };
  /** Milliseconds; names say from what to what. */
  timings: Record<string, number>;
  checks: Record<string, boolean>;
  passed: boolean;
  notes: string[];
}

const WRITES_PER_S = Number(process.env.FAULTS_WRITES_PER_S ?? 20);
const READS_PER_S = Number(process.env.FAULTS_READS_PER_S ?? 20);
// Enough authors that none passes the 100 newest posts a user feed keeps, even if a scenario runs long.
const USERS = 30;
// Readers who follow a few of the authors: their home timelines hold a sixth of the posts, under the 800 kept.
const READERS = 3;
const FOLLOWED = 4;

/** The run's authors, each with a token; made straight at auth-service (the gateway rate-limits credentials). */
async function makeUsers(tag: string, n = USERS): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (let i = 0; i < n; i++) users.push(await newUser(`${tag}${i}`, serviceUrl('auth-service')));
  return users;
}

const bearer = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** The standard mix: writes (POST /api/posts) and reads of feeds and of acknowledged posts. */
function standardStreams(users: TestUser[], acked: string[], authorOf: Map<string, string>): Stream[] {
  let next = 0;
  const status = async (res: Response) => {
    await res.body?.cancel();
    return res.status;
  };
  return [
    {
      kind: 'write',
      perSecond: WRITES_PER_S,
      expect: 201,
      fire: async (signal) => {
        const user = users[next++ % users.length]!;
        const res = await fetch(`${stack.gatewayUrl}/api/posts`, {
          method: 'POST',
          headers: { ...bearer(user), 'content-type': 'application/json' },
          body: JSON.stringify({ title: `fault load ${next}`, content: 'x'.repeat(100), tags: ['faults'] }),
          signal,
        });
        if (res.status !== 201) return status(res);
        const { id } = (await res.json()) as { id: string };
        acked.push(id);
        authorOf.set(id, user.id);
        return 201;
      },
    },
    {
      kind: 'read-feed',
      perSecond: READS_PER_S * 0.4,
      expect: 200,
      fire: async (signal) => status(await fetch(`${stack.gatewayUrl}/api/activity-stream?limit=20`, { signal })),
    },
    {
      kind: 'read-user-feed',
      perSecond: READS_PER_S * 0.3,
      expect: 200,
      fire: async (signal) =>
        status(await fetch(`${stack.gatewayUrl}/api/activity-stream/user/${pick(users).id}?limit=20`, { signal })),
    },
    {
      kind: 'read-post',
      perSecond: READS_PER_S * 0.3,
      expect: 200,
      fire: async (signal) =>
        status(await fetch(`${stack.gatewayUrl}/api/posts/${pick(acked)}`, { headers: bearer(pick(users)), signal })),
    },
  ];
}

interface RunOptions {
  name: string;
  title: string;
  seconds: number;
  faultAt: number;
  users?: TestUser[];
  extraStreams?: (users: TestUser[]) => Stream[];
  /**
   * Breaks and repairs; returns its timings, its own checks, and marks (load
   * clock) from which to measure how long requests kept failing.
   */
  fault: (load: Load) => Promise<{
    timings: Record<string, number>;
    checks?: Record<string, boolean>;
    notes?: string[];
    failingAfter?: Array<{ label: string; at: number; kinds?: string[] }>;
  }>;
  /** After the load and the counting: scenario work that needs a settled system (and the run's events on the topic). */
  after?: (
    events: readonly SeenEvent[],
  ) => Promise<{ timings?: Record<string, number>; checks?: Record<string, boolean>; notes?: string[] }>;
  /** Kinds whose failures do not fail the scenario (an outage it causes on purpose); 500s always do. */
  tolerated?: (kind: string, status: string) => boolean;
}

const send = (user: TestUser, method: string, path: string, body?: unknown) =>
  fetch(`${stack.gatewayUrl}/api${path}`, {
    method,
    headers: { ...bearer(user), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

interface Readers {
  readers: TestUser[];
  followed: TestUser[];
  /** Follows answered 200, as `<follower>:<followee>`. */
  acknowledged: string[];
}

/**
 * The run's readers: the first few users, each following the same few of
 * the others (who get a profile first: only a user with one can be
 * followed), and each reading their home timeline once, as an active
 * reader does (fan-out skips the others).
 */
async function followAuthors(users: TestUser[]): Promise<Readers> {
  const readers = users.slice(0, READERS);
  const followed = users.slice(READERS, READERS + FOLLOWED);
  for (const u of followed) {
    const res = await send(u, 'POST', '/profile', { display_name: u.username });
    if (![201, 409].includes(res.status)) throw new Error(`profile: ${res.status} ${await res.text()}`);
  }
  const acknowledged: string[] = [];
  for (const r of readers) {
    for (const f of followed) {
      const res = await send(r, 'PUT', `/profile/following/${f.id}`);
      await res.body?.cancel();
      if (res.status === 200) acknowledged.push(`${r.id}:${f.id}`);
    }
    await (await send(r, 'GET', '/activity-stream/home?limit=1')).body?.cancel();
  }
  return { readers, followed, acknowledged };
}

/** Every id a reader's home pages show, following the cursor from the top. */
async function homeIds(reader: TestUser): Promise<string[]> {
  const ids: string[] = [];
  let before: string | null = null;
  do {
    const query: string = before === null ? '' : `&before=${encodeURIComponent(before)}`;
    const res = await send(reader, 'GET', `/activity-stream/home?limit=100${query}`);
    if (res.status !== 200) throw new Error(`home page: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { items: Array<{ id: string }>; next: string | null };
    ids.push(...page.items.map((i) => i.id));
    before = page.next;
  } while (before !== null);
  return ids;
}

/** The readers' follows and home timelines against what they were told, once the posts have settled. */
async function countHomes(r: Readers, acked: string[], authorOf: Map<string, string>) {
  const acknowledged = new Set(r.acknowledged);
  const expected = new Map(
    r.readers.map((reader) => {
      // Their own, and those of whom they were told they follow.
      const followed = r.followed.filter((f) => acknowledged.has(`${reader.id}:${f.id}`));
      const theirs = new Set([reader.id, ...followed.map((f) => f.id)]);
      return [reader.id, acked.filter((id) => theirs.has(authorOf.get(id) ?? ''))];
    }),
  );
  const count = async () =>
    reconcileHome({
      follows: {
        acknowledged: r.acknowledged,
        inGraph: await followsInGraph(r.acknowledged.map((f) => f.split(':') as [string, string])),
      },
      expected,
      shown: new Map(await Promise.all(r.readers.map(async (u) => [u.id, await homeIds(u)] as const))),
    });
  // The fan-out of a post follows its feeds' write by a round trip, and a feed-service just back
  // may answer 503 for a moment: give them 15 s, then count what is there.
  let counted: HomeReconciliation | undefined;
  const complete = async () => {
    counted = await count();
    return counted.lost.home.length + counted.lost.follows.length === 0;
  };
  await eventually(complete, 15_000, 250).catch(() => undefined);
  return counted ?? count();
}

async function runScenario(o: RunOptions): Promise<ScenarioResult> {
  const users = o.users ?? (await makeUsers(o.name.slice(0, 4)));
  const readers = await followAuthors(users);
  const acked: string[] = [];
  const authorOf = new Map<string, string>();
  const authors = users.map((u) => u.id);
  const log = topicLog(await postEventsEnd(), new Set(authors));
  // One post before the load, so post reads have something to read from the first second.
  const seed = await fetch(`${stack.gatewayUrl}/api/posts`, {
    method: 'POST',
    headers: { ...bearer(users[0]!), 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'fault seed', content: 'seed' }),
  });
  if (seed.status !== 201) throw new Error(`seed post: ${seed.status} ${await seed.text()}`);
  const seeded = ((await seed.json()) as { id: string }).id;
  acked.push(seeded);
  authorOf.set(seeded, users[0]!.id);

  const streams = [...standardStreams(users, acked, authorOf), ...(o.extraStreams?.(users) ?? [])];
  const load = new Load(streams);
  load.start();
  await sleep(o.faultAt * 1000);
  const broke = await o.fault(load);
  const rest = o.seconds * 1000 - load.now();
  if (rest > 0) await sleep(rest);
  const summary = await load.stop();
  const settled = await settle(acked, log);

  const feeds = await feedLists(authors);
  const r = reconcile({
    acknowledged: acked,
    stored: await storedPostIds(authors, users[0]!.token),
    events: log.events,
    ...feeds,
  });
  const after = (await o.after?.(log.events)) ?? {};
  // After the scenario's own work (a rebuild, say): what the readers see then.
  const home = await countHomes(readers, acked, authorOf);
  const t = tally(load.outcomes);
  const failing = Object.fromEntries(
    (broke.failingAfter ?? []).map((m) => [m.label, failingUntil(load.outcomes, m.at, m.kinds)]),
  );
  const serverErrors = Object.values(t.failed).reduce((n, byStatus) => n + (byStatus['500'] ?? 0), 0);
  const untolerated = Object.entries(t.failed).flatMap(([kind, byStatus]) =>
    Object.keys(byStatus).filter((s) => !(o.tolerated?.(kind, s) ?? false)),
  );
  const checks: Record<string, boolean> = {
    nothing_acknowledged_lost: r.lost.store.length + r.lost.topic.length + r.lost.feeds.length === 0,
    no_feed_duplicates: r.feed_duplicates === 0,
    every_follow_in_the_graph: home.lost.follows.length === 0,
    nothing_lost_from_home_timelines: home.lost.home.length === 0,
    no_home_duplicates: home.home_duplicates === 0,
    no_500s: serverErrors === 0,
    only_expected_failures: untolerated.length === 0,
    writes_settled: settled.settled,
    ...broke.checks,
    ...after.checks,
  };
  const rates = streams.reduce(
    (acc, s) => {
      const key = s.kind === 'write' ? 'writes_per_s' : s.kind.startsWith('read-') ? 'reads_per_s' : 'other_per_s';
      acc[key] += s.perSecond;
      return acc;
    },
    { writes_per_s: 0, reads_per_s: 0, other_per_s: 0 },
  );
  const { lost, ...counts } = r;
  const { lost: homeLost, ...homeCounts } = home;
  return {
    scenario: o.name,
    title: o.title,
    load: { ...summary, ...rates },
    requests: { by_kind: t.all, failed: t.failed, failed_total: t.failedTotal },
    posts: {
      ...counts,
      lost: { store: lost.store.length, topic: lost.topic.length, feeds: lost.feeds.length },
      lost_examples: [...new Set([...lost.store, ...lost.topic, ...lost.feeds])].slice(0, 5),
    },
    home: {
      ...homeCounts,
      lost: { follows: homeLost.follows.length, home: homeLost.home.length },
      lost_examples: [...homeLost.follows, ...homeLost.home].slice(0, 5),
    },
    timings: { ...broke.timings, ...failing, settle_after_load: settled.ms, ...after.timings },
    checks,
    passed: Object.values(checks).every(Boolean),
    notes: [...(broke.notes ?? []), ...(after.notes ?? [])],
  };
}

/** Starts a component whatever state it is in; a running one stays as it is. */
async function ensureStarted(component: string): Promise<void> {
  await mesh('start', component).catch(() => undefined);
}

/** Every service passing in Consul and routed by Traefik: the state each scenario must leave behind. */
export async function healthy(): Promise<void> {
  const everything = async () => (await allPassing()) && (await allRouted());
  await eventually(everything, 90_000, 250, 'every service passing and routed');
}

const timed = async (f: () => Promise<unknown>) => {
  const t0 = performance.now();
  await f();
  return Math.round(performance.now() - t0);
};

/**
 * Stops a component, leaves it away for `ms`, starts it again (whatever
 * happened meanwhile); the stop and start durations.
 */
async function takeAway(component: string, ms: number): Promise<{ stop: number; start: number }> {
  const stop = await timed(() => mesh('stop', component));
  let start: number;
  try {
    await sleep(ms);
  } finally {
    start = await timed(() => ensureStarted(component));
  }
  return { stop, start };
}

// ---------------------------------------------------------------- 1. Kafka away for 30 s

/** How much faster than posts arrive a backlog left by an outage must go out once the broker is back. */
const DRAIN_FACTOR = 3;

const kafka = (): Promise<ScenarioResult> => {
  let outage = { from: 0, to: 0 };
  return runScenario({
    name: 'kafka',
    title: 'Kafka stopped for 30 s mid-writes',
    seconds: 65,
    faultAt: 15,
    tolerated: () => false,
    fault: async (load) => {
      const stoppedAt = load.now();
      const from = Date.now();
      const { stop, start } = await takeAway('kafka', 30_000);
      outage = { from, to: Date.now() };
      // The backlog drains while the load goes on; `settle_after_load` says how long it took past the load's end.
      return {
        timings: { kafka_stop: stop, kafka_away: 30_000, kafka_start_until_topic_ready: start },
        failingAfter: [{ label: 'last_failure_after_stop', at: stoppedAt }],
      };
    },
    // The backlog: posts committed while Kafka was away. How fast it went out once Kafka took writes
    // again (Kafka's own timestamps), against how fast posts kept arriving.
    after: async (events) => {
      // Held: committed while Kafka was away and on the topic more than a second later (not those published live
      // while Kafka was starting). From the first of them on the topic to the last.
      const backlog = events.filter(
        (e) =>
          e.type === 'post.created' &&
          e.committedAt >= outage.from &&
          e.committedAt < outage.to &&
          e.publishedAt - e.committedAt > 1_000,
      );
      const out = backlog.map((e) => e.publishedAt);
      const drainMs = Math.max(1, Math.max(...out) - Math.min(...out));
      const drainPerS = Math.round((backlog.length / drainMs) * 1000);
      return {
        timings: { backlog_posts: backlog.length, backlog_drain: drainMs },
        checks: { backlog_drains_3x_faster_than_posts_arrive: drainPerS >= DRAIN_FACTOR * WRITES_PER_S },
        notes: [
          `backlog of ${backlog.length} posts out in ${drainMs} ms once Kafka was back: ${drainPerS} posts/s against ${WRITES_PER_S}/s arriving`,
        ],
      };
    },
  });
};

// ---------------------------------------------------------------- 2. feed-service SIGKILLed

const feed = (): Promise<ScenarioResult> =>
  runScenario({
    name: 'feed',
    title: 'feed-service killed (SIGKILL) mid-stream',
    seconds: 35,
    faultAt: 10,
    // Until supervisord has it back, the gateway has no feed-service to route reads to.
    tolerated: (kind, status) => kind.includes('feed') && ['502', '503', '404'].includes(status),
    fault: async (load) => {
      const pid = await supervisedPid('feed-service');
      const killedAt = load.now();
      process.kill(pid, 'SIGKILL');
      // supervisord restarts it (autorestart); `mesh start` only if it gave up.
      const restarted = async () =>
        (await instances('feed-service')).some((i) => i.status === 'passing' && i.pid !== String(pid));
      const back = await eventually(restarted, 60_000, 100, 'a new feed-service passing in Consul').then(
        ({ ms }) => ms,
        async () => {
          await ensureStarted('feed-service');
          return Math.round(load.now() - killedAt);
        },
      );
      const routedAgain = async () => (await routedUrls('feed-service')).length > 0;
      const { ms: routed } = await eventually(routedAgain, 30_000, 100, 'feed-service routed again');
      return {
        timings: { kill_to_new_instance_passing: back, then_routed: routed },
        notes: [`SIGKILLed pid ${pid}; supervisord restarted it`],
        failingAfter: [{ label: 'reads_failing_after_kill', at: killedAt }],
      };
    },
  });

// ---------------------------------------------------------------- 3. one of two posts-service instances SIGKILLed

const posts = async (): Promise<ScenarioResult> => {
  // A second posts-service of the scenario's own, beside the supervised one: it registers in Consul like any instance.
  const extra = spawnService('posts-service', await freePort());
  try {
    const routed = async () => (await routedUrls('posts-service')).includes(extra.url);
    await eventually(routed, 30_000, 100, 'the second posts-service routed by Traefik');
    return await runScenario({
      name: 'posts',
      title: 'two posts-service instances, one SIGKILLed',
      seconds: 35,
      faultAt: 10,
      // Requests the dead instance had already received when it died can only fail (502); nothing else may.
      tolerated: (kind, status) => status === '502' && (kind === 'write' || kind === 'read-post'),
      fault: async (load) => {
        const killedAt = load.now();
        extra.proc.kill('SIGKILL');
        const t0 = performance.now();
        let critical = -1;
        let unrouted = -1;
        await eventually(
          async () => {
            const ms = Math.round(performance.now() - t0);
            if (
              critical < 0 &&
              (await instances('posts-service')).some((i) => i.id === extra.id && i.status === 'critical')
            )
              critical = ms;
            if (unrouted < 0 && !(await routedUrls('posts-service')).includes(extra.url)) unrouted = ms;
            return critical >= 0 && unrouted >= 0;
          },
          30_000,
          50,
          'the dead instance critical in Consul and out of Traefik',
        );
        return {
          timings: { kill_to_critical: critical, kill_to_unrouted: unrouted },
          failingAfter: [{ label: 'last_failure_after_kill', at: killedAt }],
        };
      },
    });
  } finally {
    if (extra.proc.exitCode === null && extra.proc.signalCode === null) extra.proc.kill('SIGKILL');
    await deregister(extra.id);
  }
};

// ---------------------------------------------------------------- 4. Consul restarted

const consul = (): Promise<ScenarioResult> =>
  runScenario({
    name: 'consul',
    title: 'Consul stopped for 10 s, then started',
    seconds: 40,
    faultAt: 10,
    tolerated: () => false,
    fault: async (load) => {
      const stoppedAt = load.now();
      const { start } = await takeAway('consul', 10_000);
      const { ms: passing } = await eventually(allPassing, 60_000, 100, 'every service passing again');
      const { ms: routed } = await eventually(allRouted, 60_000, 100, 'every service routed again');
      return {
        timings: {
          consul_away: 10_000,
          consul_start_until_leader: start,
          leader_to_all_passing: passing,
          then_all_routed: routed,
        },
        failingAfter: [{ label: 'last_failure_after_stop', at: stoppedAt }],
      };
    },
  });

// ---------------------------------------------------------------- 5. Redis wiped, feeds rebuilt

const redis = async (): Promise<ScenarioResult> => {
  let before = new Map<string, string[]>();
  return runScenario({
    name: 'redis',
    title: 'Redis wiped (FLUSHALL), feeds rebuilt from the log',
    seconds: 25,
    faultAt: 25,
    tolerated: () => false,
    fault: async () => ({ timings: {} }),
    after: async () => {
      before = await snapshotFeeds();
      await flushRedis();
      // Reads keep coming while the feeds are rebuilt: they may see 503 or short lists, never a 500.
      const reads = new Load([
        {
          kind: 'read-feed',
          perSecond: 10,
          expect: 200,
          fire: async (signal) => (await fetch(`${stack.gatewayUrl}/api/activity-stream?limit=20`, { signal })).status,
        },
      ]);
      reads.start();
      const rebuild = await timed(() => mesh('feed-rebuild'));
      await reads.stop();
      const after = await snapshotFeeds();
      const differing = [...new Set([...before.keys(), ...after.keys()])].filter(
        (k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)),
      );
      const during = tally(reads.outcomes);
      const entries = [...before.values()].reduce((n, l) => n + l.length, 0);
      return {
        timings: { feed_rebuild: rebuild },
        checks: {
          feeds_identical_after_rebuild: differing.length === 0 && before.size > 0,
          no_500s_during_rebuild: !Object.values(during.all).some((s) => s['500']),
        },
        notes: [
          `${before.size} feed lists (${entries} entries) compared element by element after the rebuild: ` +
            `${differing.length} differ`,
          `reads during the rebuild: ${JSON.stringify(during.all)}`,
        ],
      };
    },
  });
};

// ---------------------------------------------------------------- 6. PostgreSQL restarted

const postgres = async (): Promise<ScenarioResult> => {
  const users = await makeUsers('pg');
  for (const u of users) {
    const res = await fetch(`${stack.gatewayUrl}/api/profile`, {
      method: 'POST',
      headers: { ...bearer(u), 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: u.username }),
    });
    if (res.status !== 201) throw new Error(`profile: ${res.status} ${await res.text()}`);
  }
  return runScenario({
    name: 'postgres',
    title: 'PostgreSQL stopped for 5 s, then started',
    seconds: 40,
    faultAt: 10,
    users,
    // While PostgreSQL is away, whatever needs it may answer 503 (posts too: FerretDB keeps its data there); never 500.
    tolerated: (_kind, status) => status === '503',
    extraStreams: (us) => [
      {
        kind: 'auth-login',
        perSecond: 2,
        expect: 200,
        fire: async (signal) => {
          const u = pick(us);
          const res = await fetch(`${stack.gatewayUrl}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: u.email, password: u.password }),
            signal,
          });
          await res.body?.cancel();
          return res.status;
        },
      },
      {
        kind: 'profile-read',
        perSecond: 10,
        expect: 200,
        fire: async (signal) => {
          const res = await fetch(`${stack.gatewayUrl}/api/profile`, { headers: bearer(pick(us)), signal });
          await res.body?.cancel();
          return res.status;
        },
      },
    ],
    fault: async (load) => {
      const stoppedAt = load.now();
      const { start } = await takeAway('postgres', 5_000);
      const readyAt = load.now();
      return {
        timings: { postgres_away: Math.round(readyAt - stoppedAt), postgres_start_until_ready: start },
        failingAfter: [
          { label: 'last_failure_after_stop', at: stoppedAt },
          { label: 'auth_failing_after_ready', at: readyAt, kinds: ['auth-login'] },
          { label: 'profile_failing_after_ready', at: readyAt, kinds: ['profile-read'] },
        ],
      };
    },
  });
};

export const scenarios: Record<string, () => Promise<ScenarioResult>> = { kafka, feed, posts, consul, redis, postgres };
