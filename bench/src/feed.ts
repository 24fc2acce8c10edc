// Feed benchmark, one run, one command (`stack/mesh bench feed`):
//  1. create-to-visible: posts created through the gateway at a fixed rate
//     (open model), each timed until it shows in the global feed;
//  2. page reads through the gateway, straight at feed-service, and
//     redis-benchmark running the same LRANGE (the floor);
//  3. page read p50 after 1 000 and after 1 000 000 posts created, on a
//     second feed-service of the benchmark's own (its own keys and topic).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createKafka, createLogger, freePort, type PostEvent } from '@feedmesh/common';
import { FeedStore } from '@feedmesh/feed-service/feeds';
import { Redis } from 'ioredis';
import { MEASURE_SECONDS as SECONDS, measure, WARMUP_SECONDS, type LoadResult } from './k6.js';
import { parseRedisBenchmarkCsv } from './parse.js';
import { failedCell, ms, publish, runContext } from './report.js';
import { benchUser, env, round3 } from './setup.js';

const run = promisify(execFile);
const gateway = env('GATEWAY_URL');
const feedUrl = env('FEED_URL');
const redisUrl = env('REDIS_URL');
const CREATE_RATE = Number(process.env.BENCH_CREATE_RATE ?? 100);
const READ_RATE = Number(process.env.BENCH_READ_RATE ?? 500);
const BIG = Number(process.env.BENCH_FEED_POSTS ?? 1_000_000);

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

// 1. create-to-visible ----------------------------------------------------
async function createToVisible(seconds: number) {
  const user = await benchUser('feed');
  const sent = new Map<string, number>();
  const answered: number[] = [];
  const visible = new Map<string, number>();
  let failed = 0;
  let watching = true;
  // Watch the head of the feed straight at the service every 5 ms; at the
  // offered rate, 100 items cover about a second of posts.
  const watcher = (async () => {
    while (watching) {
      const res = await fetch(`${feedUrl}/api/activity-stream?limit=100`).catch(() => undefined);
      const now = performance.now();
      if (res?.ok) {
        for (const item of ((await res.json()) as { items: Array<{ id: string }> }).items)
          if (!visible.has(item.id)) visible.set(item.id, now);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const body = JSON.stringify({ title: 'visible?', content: 'x'.repeat(200) });
  const launch = async () => {
    const t0 = performance.now();
    const res = await fetch(`${gateway}/api/posts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body,
    });
    if (res.status !== 201) {
      failed++;
      return;
    }
    sent.set(((await res.json()) as { id: string }).id, t0);
    answered.push(performance.now() - t0);
  };
  // Open model: start one create every 1/rate seconds, whether or not earlier ones finished.
  const total = CREATE_RATE * seconds;
  const started = performance.now();
  const inflight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / CREATE_RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(launch());
  }
  await Promise.all(inflight);
  const deadline = performance.now() + 5_000;
  while ([...sent.keys()].some((id) => !visible.has(id)) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  watching = false;
  await watcher;
  const latencies = [...sent].filter(([id]) => visible.has(id)).map(([id, t0]) => visible.get(id)! - t0);
  return {
    rate_offered: CREATE_RATE,
    posts: total,
    created: sent.size,
    failed,
    never_visible: sent.size - latencies.length,
    p50_ms: round3(percentile(latencies, 50)),
    p99_ms: round3(percentile(latencies, 99)),
    max_ms: round3(Math.max(...latencies)),
    // The POST's own answer time, the part of the above spent before any event exists.
    post_p50_ms: round3(percentile(answered, 50)),
    post_p99_ms: round3(percentile(answered, 99)),
  };
}

// 2. page reads -------------------------------------------------------------
async function redisFloor() {
  const { hostname, port } = new URL(redisUrl);
  const command = ['LRANGE', 'feed:activity:global', '0', '19'];
  // Closed loop (10 clients back to back): the most Redis does for this read, and how fast.
  const { stdout } = await run('redis-benchmark', [
    '-h',
    hostname,
    '-p',
    port || '6379',
    '-n',
    '50000',
    '-c',
    '10',
    '--csv',
    ...command,
  ]);
  return { ...parseRedisBenchmarkCsv(stdout), clients: 10, command: command.join(' ') };
}

// 3. 1 000 vs 1 000 000 posts -------------------------------------------------
async function scale() {
  const stamp = `${Date.now()}`;
  const prefix = `feedbench:${stamp}`;
  const topic = `posts-events-bench-${stamp}`;
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const store = new FeedStore(redis, { global: 1000, perUser: 100 }, prefix);
  const kafka = createKafka({
    clientId: 'bench',
    brokers: env('KAFKA_BROKERS').split(','),
    logger: createLogger('bench', 'warn'),
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [topic, `${topic}.dlq`].map((t) => ({ topic: t, numPartitions: 3, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  const port = await freePort();
  const svc = spawn(process.execPath, [new URL('../../feed-service/dist/index.js', import.meta.url).pathname], {
    env: {
      ...process.env,
      PORT: String(port),
      CONSUL_REGISTER: 'false',
      FEED_KEY_PREFIX: prefix,
      FEED_TOPIC: topic,
      CONSUMER_GROUP: `bench-${stamp}`,
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  try {
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined))?.ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    let made = 0;
    const base = Date.parse('2025-01-01T00:00:00Z');
    // Straight into Redis through the same Lua script the consumer uses, pipelined: a million events through Kafka would take this box many minutes.
    const fill = async (upTo: number) => {
      while (made < upTo) {
        const chunk: Array<Promise<boolean>> = [];
        for (let i = 0; i < 5_000 && made < upTo; i++, made++) {
          const time = new Date(base + made * 1000).toISOString();
          const e: PostEvent = {
            id: crypto.randomUUID(),
            schema_version: 1,
            type: 'post.created',
            time,
            actor: `a${made % 5000}`,
            data: {
              id: made.toString(16).padStart(24, '0'),
              author_id: `a${made % 5000}`,
              title: `post ${made}`,
              content: 'x'.repeat(200),
              tags: ['bench'],
              created_at: time,
              updated_at: time,
              version: 1,
            },
          };
          chunk.push(store.apply(e));
        }
        await Promise.all(chunk);
      }
    };
    const read = () =>
      measure({ url: `http://127.0.0.1:${port}/api/activity-stream?limit=20`, rate: READ_RATE, seconds: SECONDS });
    const t0 = performance.now();
    await fill(1_000);
    const small = await read();
    await fill(BIG);
    const fillSeconds = Math.round((performance.now() - t0) / 1000);
    const large = await read();
    return {
      posts_small: 1_000,
      posts_large: BIG,
      fill_seconds: fillSeconds,
      small,
      large,
      ratio_p50: Math.round((large.p50_ms / small.p50_ms) * 100) / 100,
    };
  } finally {
    svc.kill('SIGTERM');
    await store.wipe();
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    await redis.quit();
  }
}

process.stderr.write(`  create-to-visible at ${CREATE_RATE} posts/s for ${SECONDS}s ...\n`);
await createToVisible(WARMUP_SECONDS); // warm-up, as for every other load: pools, JIT, consumer fetch loop
const visibility = await createToVisible(SECONDS);
const reads: Record<string, LoadResult> = {};
process.stderr.write(`  feed page reads at ${READ_RATE}/s ...\n`);
reads.direct = await measure({ url: `${feedUrl}/api/activity-stream?limit=20`, rate: READ_RATE, seconds: SECONDS });
reads.gateway = await measure({ url: `${gateway}/api/activity-stream?limit=20`, rate: READ_RATE, seconds: SECONDS });
const floor = await redisFloor();
process.stderr.write(`  1 000 vs ${BIG} posts ...\n`);
const sizes = await scale();

const context = runContext();
const row = (label: string, r: LoadResult) =>
  `| ${label} | ${r.rate_offered}/s | ${r.rate_achieved}/s | ${ms(r.p50_ms)} | ${ms(r.p99_ms)} | ${failedCell(r)} |`;
const derived = {
  gateway_ratio_p50: Math.round((reads.gateway!.p50_ms / reads.direct!.p50_ms) * 100) / 100,
  service_vs_redis_p50: Math.round((reads.direct!.p50_ms / floor.p50_ms) * 10) / 10,
};
await publish(
  'feed',
  { benchmark: 'feed', context, visibility, reads, redis_floor: floor, sizes, derived },
  `## Feed: create-to-visible, page reads, and size independence

Run ${context.date} · ${context.cores} cores · commit ${context.commit}. Command: \`stack/mesh bench feed\`.

**Create to visible** — after a ${WARMUP_SECONDS} s warm-up, ${visibility.posts} posts created through the gateway at ${CREATE_RATE}/s (open model), each timed from its POST until it shows in the global feed (polled every 5 ms): **p50 ${ms(visibility.p50_ms)}, p99 ${ms(visibility.p99_ms)}** (max ${ms(visibility.max_ms)}; ${visibility.failed} failed, ${visibility.never_visible} never seen within 5 s). Of this, the POST itself answered in p50 ${ms(visibility.post_p50_ms)}, p99 ${ms(visibility.post_p99_ms)}. Target: p99 under 100 ms (the seed asked users to wait 2–3 s).

**Page reads** — \`GET /api/activity-stream?limit=20\`, k6 constant-arrival-rate, ${WARMUP_SECONDS} s warm-up, ${SECONDS} s measured:

| read | offered | achieved | p50 | p99 | failed |
| --- | --- | --- | --- | --- | --- |
${row('straight at feed-service', reads.direct!)}
${row('through the gateway', reads.gateway!)}

Floor: \`redis-benchmark\` running \`${floor.command}\` with ${floor.clients} clients (closed loop): ${floor.requests_per_s} requests/s, p50 ${ms(floor.p50_ms)}, p99 ${ms(floor.p99_ms)}. Through the gateway ×${derived.gateway_ratio_p50} the service alone at p50; the service ×${derived.service_vs_redis_p50} the bare Redis command.

**Size independence** — a second feed-service with keys and a topic of its own; page read p50 at ${READ_RATE}/s after 1 000 posts: ${ms(sizes.small.p50_ms)}; after ${sizes.posts_large.toLocaleString('en')} posts: ${ms(sizes.large.p50_ms)} → **ratio ${sizes.ratio_p50}** (target ≤ 1.2). The ${sizes.posts_large.toLocaleString('en')} \`post.created\` events were applied straight to Redis with the consumer's own Lua script, pipelined (${sizes.fill_seconds} s), rather than through Kafka.`,
);
process.stdout.write(`${JSON.stringify({ visibility, reads, floor, sizes, derived }, null, 2)}\n`);
