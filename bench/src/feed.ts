// Feed benchmark, one run, one command (`stack/mesh bench feed`):
//  1. create-to-visible: posts created through the gateway at a fixed rate
//     (open model), each timed until it shows in the global feed;
//  2. page reads through the gateway, straight at feed-service, and
//     redis-benchmark running the same LRANGE (the floor);
//  3. page read p50 after 1 000 and after 1 000 000 posts created, on a
//     second feed-service of the benchmark's own (its own keys and topic).
import { freePort } from '@feedmesh/common';
import { FeedStore } from '@feedmesh/feed-service/feeds';
import { eventually, newUser, runContext, serviceUrl, sleep, spawnService, stack } from '@feedmesh/testkit';
import { Redis } from 'ioredis';
import { MEASURE_SECONDS as SECONDS, measure, round3, WARMUP_SECONDS } from './k6.js';
import { redisBenchmark } from './redis-benchmark.js';
import { publish } from './report.js';
import { percentile } from './samples.js';
import { scratchTopic } from './scratch-topic.js';
import { syntheticPost } from './synthetic.js';
import { feedSection, type FeedResults } from './sections.js';

const gateway = stack.gatewayUrl;
const feedUrl = serviceUrl('feed-service');
const redisUrl = stack.redisUrl;
const CREATE_RATE = Number(process.env.BENCH_CREATE_RATE ?? 100);
const CREATE_HIGH_RATE = Number(process.env.BENCH_CREATE_HIGH_RATE ?? 250);
const READ_RATE = Number(process.env.BENCH_READ_RATE ?? 500);
const BIG = Number(process.env.BENCH_FEED_POSTS ?? 1_000_000);

// 1. create-to-visible ----------------------------------------------------
async function createToVisible(rate: number, seconds: number) {
  const user = await newUser('bench_feed');
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
      await sleep(5);
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
  const total = rate * seconds;
  const started = performance.now();
  const inflight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(launch());
  }
  await Promise.all(inflight);
  // Up to 5 s for the last ones; what has not shown by then counts as never visible.
  const allVisible = async () => [...sent.keys()].every((id) => visible.has(id));
  await eventually(allVisible, 5_000, 20).catch(() => undefined);
  watching = false;
  await watcher;
  const latencies = [...sent].filter(([id]) => visible.has(id)).map(([id, t0]) => visible.get(id)! - t0);
  return {
    rate_offered: rate,
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
  // The read feed-service does for a page of the global feed, on the key it keeps it under (the client never connects).
  const unconnected = new Redis(redisUrl, { lazyConnect: true });
  const command = ['LRANGE', new FeedStore(unconnected).keys.global(), '0', '19'];
  unconnected.disconnect();
  // Closed loop (10 clients back to back): the most Redis does for this read, and how fast.
  const figures = await redisBenchmark(['-n', '50000', '-c', '10'], command);
  return { ...figures, clients: 10, command: command.join(' ') };
}

// 3. 1 000 vs 1 000 000 posts -------------------------------------------------
async function scale() {
  const stamp = `${Date.now()}`;
  const prefix = `feedbench:${stamp}`;
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const store = new FeedStore(redis, undefined, prefix);
  // Nothing is published to it: the feeds are filled below.
  const { topic, remove } = await scratchTopic(`bench-${stamp}`);
  const svc = spawnService('feed-service', await freePort(), {
    CONSUL_REGISTER: 'false',
    FEED_KEY_PREFIX: prefix,
    FEED_TOPIC: topic,
    CONSUMER_GROUP: `bench-${stamp}`,
  });
  try {
    const live = async () => (await fetch(`${svc.url}/health/live`)).ok;
    await eventually(live, 10_000, 100, "the benchmark's own feed-service live");
    let made = 0;
    // Straight into Redis through the same Lua script the consumer uses, pipelined:
    // a million events through Kafka would take this box many minutes.
    const fill = async (upTo: number) => {
      while (made < upTo) {
        const chunk: Array<Promise<boolean>> = [];
        for (let i = 0; i < 5_000 && made < upTo; i++, made++) {
          const e = syntheticPost(made, `a${made % 5000}`);
          chunk.push(store.apply(e));
        }
        await Promise.all(chunk);
      }
    };
    const read = () => measure({ url: `${svc.url}/api/activity-stream?limit=20`, rate: READ_RATE, seconds: SECONDS });
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
    svc.proc.kill('SIGTERM');
    await svc.exited;
    await store.wipe();
    await remove();
    await redis.quit();
  }
}

process.stderr.write(`  create-to-visible at ${CREATE_RATE} and ${CREATE_HIGH_RATE} posts/s for ${SECONDS}s ...\n`);
await createToVisible(CREATE_RATE, WARMUP_SECONDS); // warm-up, as for every other load: pools, JIT, consumer fetch loop
const visibility = await createToVisible(CREATE_RATE, SECONDS);
const visibilityHigh = await createToVisible(CREATE_HIGH_RATE, SECONDS);
process.stderr.write(`  feed page reads at ${READ_RATE}/s ...\n`);
const page = (base: string) =>
  measure({ url: `${base}/api/activity-stream?limit=20`, rate: READ_RATE, seconds: SECONDS });
const reads = { direct: await page(feedUrl), gateway: await page(gateway) };
const floor = await redisFloor();
process.stderr.write(`  1 000 vs ${BIG} posts ...\n`);
const sizes = await scale();

const derived = {
  gateway_ratio_p50: Math.round((reads.gateway.p50_ms / reads.direct.p50_ms) * 100) / 100,
  service_vs_redis_p50: Math.round((reads.direct.p50_ms / floor.p50_ms) * 10) / 10,
};
const results: FeedResults = {
  context: runContext(),
  load: { warmup_seconds: WARMUP_SECONDS, seconds: SECONDS },
  visibility,
  visibility_high: visibilityHigh,
  reads,
  redis_floor: floor,
  sizes,
  derived,
};
await publish('feed', results, feedSection);
process.stdout.write(`${JSON.stringify({ visibility, reads, floor, sizes, derived }, null, 2)}\n`);
