// Home timeline benchmark, one run, one command (`stack/mesh bench home`):
//  1. fan-out on the live mesh: posts through the gateway, each timed until
//     it is in the home timeline of every follower of its author, for
//     authors with 10, 1 000 and 10 000 followers. The followers are ids of
//     the benchmark's own, following straight at profile-service with the
//     identity the gateway would have vouched for (they need no account);
//     each reads their timeline once first, as an active reader would.
//  2. fan-out throughput: a burst of posts by the 10 000-follower author, in
//     timeline entries written per second, beside redis-benchmark's
//     pipelined ZADD of the same number of timelines (the floor);
//  3. Redis memory per timeline entry and per user, from that burst;
//  4. home page reads at a constant rate following 0, 5 and 20 celebrities
//     (and a returning reader's first page, which regenerates the timeline),
//     on a feed-service of the benchmark's own (its own keys and topics, a
//     celebrity threshold of 10 followers), straight at it; the reader
//     without celebrities on the live mesh too, through the gateway and
//     straight, for what the gateway adds.
import { randomUUID } from 'node:crypto';
import { freePort, IDENTITY_HEADERS, serviceManifest } from '@feedmesh/common';
import { FEED_DEFAULTS, FeedStore } from '@feedmesh/feed-service/feeds';
import {
  eventually,
  newUser,
  runContext,
  serviceUrl,
  sleep,
  spawnService,
  stack,
  stackAssertions,
  type TestUser,
} from '@feedmesh/testkit';
import { Redis } from 'ioredis';
import { MEASURE_SECONDS as SECONDS, measure, round3, WARMUP_SECONDS, type LoadResult } from './k6.js';
import { redisBenchmark } from './redis-benchmark.js';
import { publish } from './report.js';
import { inParallel, percentile as percentileOf } from './samples.js';
import { scratchTopic } from './scratch-topic.js';
import { syntheticPost } from './synthetic.js';
import { homeSection, type FanOut, type HomeResults } from './sections.js';

const gateway = stack.gatewayUrl;
const SIZES = (process.env.BENCH_HOME_FOLLOWERS ?? '10,1000,10000').split(',').map(Number);
const POSTS_PER_SIZE = Number(process.env.BENCH_HOME_POSTS ?? 20);
const BURST = Number(process.env.BENCH_HOME_BURST ?? 10);
const READ_RATE = Number(process.env.BENCH_READ_RATE ?? 500);
const CELEBRITIES = [0, 5, 20];

const redis = new Redis(stack.redisUrl, { enableAutoPipelining: true });
const live = new FeedStore(new Redis(stack.redisUrl, { lazyConnect: true }));
const assertions = await stackAssertions(3_600);
const identity = async (userId: string) => ({
  [IDENTITY_HEADERS.userId]: userId,
  [IDENTITY_HEADERS.assertion]: await assertions.sign({ userId, username: `b${userId.slice(0, 8)}` }),
});
const percentile = (xs: number[], p: number) => round3(percentileOf(xs, p));

async function ok(res: Response, what: string): Promise<void> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
}

// 1. fan-out on the live mesh ----------------------------------------------
const profiles = `${serviceUrl('profile-service')}${serviceManifest('profile-service').prefix}`;
const feedHome = `${serviceUrl('feed-service')}${serviceManifest('feed-service').prefix}/home`;

async function authorWith(followers: number): Promise<{ author: TestUser; fans: string[] }> {
  const author = await newUser('bench_home');
  await ok(
    await fetch(`${gateway}/api/profile`, {
      method: 'POST',
      headers: { authorization: `Bearer ${author.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: author.username }),
    }),
    'profile',
  );
  const fans = Array.from({ length: followers }, () => randomUUID());
  await inParallel(fans, 16, async (fan) => {
    const headers = await identity(fan);
    await ok(await fetch(`${profiles}/following/${author.id}`, { method: 'PUT', headers }), 'follow');
    // An active reader: one who has read their home timeline.
    await ok(await fetch(`${feedHome}?limit=1`, { headers }), 'home read');
  });
  const graphHasThem = async () => (await redis.scard(live.keys.followers(author.id))) === followers;
  await eventually(graphHasThem, 120_000, 200, `feed-service's graph with ${followers} followers`);
  return { author, fans };
}

/** Resolves with when (performance.now()) `post` is in every one of `fans`' timelines, polling the ones not yet. */
async function inEveryTimeline(post: string, fans: string[], deadline: number): Promise<number | null> {
  let waiting = fans;
  while (performance.now() < deadline) {
    const scores = await Promise.all(waiting.map((fan) => redis.zscore(live.keys.home(fan), post)));
    const now = performance.now();
    waiting = waiting.filter((_, i) => scores[i] === null);
    if (waiting.length === 0) return now;
    await sleep(5);
  }
  return null;
}

const postAs = async (author: TestUser, title: string) => {
  const res = await fetch(`${gateway}/api/posts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${author.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, content: 'x'.repeat(200) }),
  });
  await ok(res, 'post');
  return ((await res.json()) as { id: string }).id;
};

async function fanOutLatency(followers: number, author: TestUser, fans: string[]): Promise<FanOut> {
  const latencies: number[] = [];
  let unseen = 0;
  // Open model: one post a second, each watched on its own.
  await Promise.all(
    Array.from({ length: POSTS_PER_SIZE }, async (_, i) => {
      await sleep(i * 1000);
      const t0 = performance.now();
      const id = await postAs(author, `fan-out ${i}`);
      const at = await inEveryTimeline(id, fans, t0 + 30_000);
      if (at === null) unseen++;
      else latencies.push(at - t0);
    }),
  );
  return {
    followers,
    posts: POSTS_PER_SIZE,
    unseen,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    max_ms: round3(Math.max(...latencies)),
  };
}

// 2 and 3. throughput and memory -----------------------------------------------
async function burst(author: TestUser, fans: string[]) {
  const before = await usedMemory();
  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: BURST }, (_, i) => postAs(author, `burst ${i}`)));
  const done = await Promise.all(ids.map((id) => inEveryTimeline(id, fans, t0 + 120_000)));
  if (done.some((at) => at === null)) throw new Error('a burst post did not reach every timeline in 120 s');
  const seconds = (Math.max(...(done as number[])) - t0) / 1000;
  const entries = BURST * fans.length;
  const after = await usedMemory();
  // What one follower's keys hold: their timeline and the set of whom they follow.
  const sample = fans.slice(0, 200);
  const timelineBytes = await Promise.all(sample.map((f) => memoryUsage(live.keys.home(f))));
  const timelineEntries = await Promise.all(sample.map((f) => redis.zcard(live.keys.home(f))));
  const followingBytes = await Promise.all(sample.map((f) => memoryUsage(live.keys.followees(f))));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    throughput: { posts: BURST, entries, seconds: round3(seconds), entries_per_s: Math.round(entries / seconds) },
    memory: {
      used_memory_delta_per_entry: Math.round((after - before) / entries),
      timeline_bytes_per_entry: Math.round(sum(timelineBytes) / sum(timelineEntries)),
      timeline_entries_sampled: Math.round(sum(timelineEntries) / sample.length),
      per_user_bytes: Math.round((sum(timelineBytes) + sum(followingBytes)) / sample.length),
    },
  };
}

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}
async function memoryUsage(key: string): Promise<number> {
  return Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
}

/** redis-benchmark's pipelined ZADD into as many timelines as the author has followers: the floor of a fan-out. */
async function zaddFloor(timelines: number) {
  const prefix = `feedbench:zfloor:${Date.now()}:`;
  const pipeline = FEED_DEFAULTS.home.fanoutChunk;
  const figures = await redisBenchmark(
    ['-n', '200000', '-c', '1', '-P', String(pipeline), '-r', String(timelines)],
    ['ZADD', `${prefix}__rand_int__`, '__rand_int__', 'post'],
  );
  const stream = redis.scanStream({ match: `${prefix}*`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
  return { ...figures, pipeline };
}

// 4. reads with celebrities ---------------------------------------------------
async function celebrityReads() {
  const stamp = `${Date.now()}`;
  const prefix = `feedbench:home:${stamp}`;
  const threshold = 10;
  const store = new FeedStore(redis, undefined, prefix, { ...FEED_DEFAULTS.home, celebrityFollowers: threshold });
  const posts = await scratchTopic(`bench-home-${stamp}`);
  const social = await scratchTopic(`bench-home-${stamp}`, 'user');
  const svc = spawnService('feed-service', await freePort(), {
    CONSUL_REGISTER: 'false',
    FEED_KEY_PREFIX: prefix,
    FEED_TOPIC: posts.topic,
    FEED_SOCIAL_TOPIC: social.topic,
    FEED_CELEBRITY_FOLLOWERS: String(threshold),
    CONSUMER_GROUP: `bench-home-${stamp}`,
  });
  try {
    await eventually(async () => (await fetch(`${svc.url}/health/live`)).ok, 10_000, 100, 'the bench feed-service');
    const stars = Array.from({ length: Math.max(...CELEBRITIES) }, () => randomUUID());
    const authors = Array.from({ length: 40 }, () => randomUUID());
    const readers = CELEBRITIES.map(() => randomUUID());
    // The graph straight into Redis with the consumer's own scripts: each star above the threshold,
    // every reader following every author and as many stars as its case says.
    const follow = (follower: string, followee: string) => ({
      id: randomUUID(),
      schema_version: 1 as const,
      type: 'user.followed' as const,
      time: new Date().toISOString(),
      actor: follower,
      data: { follower_id: follower, followee_id: followee, version: 1 },
    });
    for (const star of stars) {
      await store.home.applyFollows(Array.from({ length: threshold + 1 }, () => follow(randomUUID(), star)));
    }
    for (const [i, reader] of readers.entries()) {
      await store.home.applyFollows([
        ...authors.map((a) => follow(reader, a)),
        ...stars.slice(0, CELEBRITIES[i]).map((s) => follow(reader, s)),
      ]);
    }
    // 100 posts by each author (fanned out: a full timeline of 800 for each reader) and by each star (merged).
    let made = 0;
    const created = (author: string) => syntheticPost(made++, author);
    for (let round = 0; round < 100; round++) {
      await store.applyAll([...authors, ...stars].map(created));
    }
    const reads: Record<string, LoadResult> = {};
    for (const [i, reader] of readers.entries()) {
      reads[String(CELEBRITIES[i])] = await measure({
        url: `${svc.url}${serviceManifest('feed-service').prefix}/home?limit=20`,
        headers: await identity(reader),
        rate: READ_RATE,
        seconds: SECONDS,
      });
    }
    // A returning reader (last read 8 days ago): the first page regenerates the timeline of 40 sources.
    const returning: number[] = [];
    const url = `${svc.url}${serviceManifest('feed-service').prefix}/home?limit=20`;
    const headers = await identity(readers[0]!);
    for (let i = 0; i < 5; i++) {
      await redis.zadd(store.keys.readers(), Date.now() - 8 * 86_400_000, readers[0]!);
      const t0 = performance.now();
      await ok(await fetch(url, { headers }), 'returning read');
      returning.push(performance.now() - t0);
    }
    const timeline = store.keys.home(readers[0]!);
    return {
      threshold,
      authors: authors.length,
      timeline_entries: await redis.zcard(timeline),
      full_timeline_bytes: await memoryUsage(timeline),
      reads,
      returning_read_ms: percentile(returning, 50),
    };
  } finally {
    svc.proc.kill('SIGTERM');
    await svc.exited;
    await store.wipe();
    await Promise.all([posts.remove(), social.remove()]);
  }
}

process.stderr.write(`  fan-out to ${SIZES.join(', ')} followers (${POSTS_PER_SIZE} posts each) ...\n`);
const fanOut: FanOut[] = [];
let largest: { author: TestUser; fans: string[] } | undefined;
for (const size of SIZES) {
  const setup = await authorWith(size);
  fanOut.push(await fanOutLatency(size, setup.author, setup.fans));
  largest = setup;
}
process.stderr.write(`  a burst of ${BURST} posts to ${largest!.fans.length} followers, and the ZADD floor ...\n`);
const { throughput, memory } = await burst(largest!.author, largest!.fans);
const floor = await zaddFloor(largest!.fans.length);
process.stderr.write(`  home page reads at ${READ_RATE}/s following ${CELEBRITIES.join(', ')} celebrities ...\n`);
const celebrities = await celebrityReads();
const liveReader = largest!.author;
const liveReads = {
  gateway: await measure({
    url: `${gateway}/api/activity-stream/home?limit=20`,
    headers: { authorization: `Bearer ${liveReader.token}` },
    rate: READ_RATE,
    seconds: SECONDS,
  }),
  direct: await measure({
    url: `${feedHome}?limit=20`,
    headers: await identity(liveReader.id),
    rate: READ_RATE,
    seconds: SECONDS,
  }),
};

const results: HomeResults = {
  context: runContext(),
  load: { warmup_seconds: WARMUP_SECONDS, seconds: SECONDS, read_rate: READ_RATE },
  fan_out: fanOut,
  throughput: {
    ...throughput,
    floor,
    ratio: Math.round((floor.requests_per_s / throughput.entries_per_s) * 100) / 100,
  },
  memory,
  celebrities,
  live_reads: liveReads,
};
await publish('home', results, homeSection);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
await redis.quit();
