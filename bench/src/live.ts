// Live streams benchmark, one run, one command (`stack/mesh bench live`):
// N subscribers hold the home stream of their own timeline open through the
// gateway (forward-auth at connect, as a browser's would), all following one
// author; the author posts through the gateway, one post every 500 ms, and
// each post is timed from its POST until every subscriber has received its
// event. Memory per open stream is the growth of Traefik's and
// feed-service's resident set (/proc/<pid>/status) from before the streams
// opened to while they are all open. The subscribers are ids of the
// benchmark's own: they follow straight at profile-service with the
// identity the gateway would vouch for, and their access tokens are signed
// with the stack's own secret, as auth-service signs them.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { accessTokens } from '@feedmesh/auth-service/tokens';
import { IDENTITY_HEADERS, serviceManifest } from '@feedmesh/common';
import {
  cpuByComponent,
  cpuUsed,
  eventually,
  newUser,
  openEventStream,
  runContext,
  serviceUrl,
  sleep,
  stack,
  stackAssertions,
  supervisedProcesses,
  type EventStream,
} from '@feedmesh/testkit';
import { round3 } from './k6.js';
import { publish } from './report.js';
import { inParallel, percentile as percentileOf } from './samples.js';
import { liveSection, type LiveResults, type LiveRun } from './sections.js';

const gateway = stack.gatewayUrl;
// One subscriber first: the floor, what a post costs to reach anyone (its write path) in the same run.
const SIZES = (process.env.BENCH_LIVE_SUBSCRIBERS ?? '1,1000,2000').split(',').map(Number);
const POSTS = Number(process.env.BENCH_LIVE_POSTS ?? 20);

const assertions = await stackAssertions(3_600);
const tokens = accessTokens(stack.jwtSecret, 3_600);
const percentile = (xs: number[], p: number) => round3(percentileOf(xs, p));

/** Resident set of a supervised program and everything under it, in KiB. */
function rssKiB(program: string): number {
  const pids = supervisedProcesses().get(program) ?? [];
  return pids.reduce((sum, pid) => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return sum + Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }, 0);
}

const profiles = `${serviceUrl('profile-service')}${serviceManifest('profile-service').prefix}`;

async function runWith(subscribers: number): Promise<LiveRun> {
  const author = await newUser('bench_live', serviceUrl('auth-service'));
  const res = await fetch(`${gateway}/api/profile`, {
    method: 'POST',
    headers: { authorization: `Bearer ${author.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ display_name: author.username }),
  });
  if (res.status !== 201) throw new Error(`profile: ${res.status} ${await res.text()}`);
  const fans = Array.from({ length: subscribers }, () => randomUUID());
  await inParallel(fans, 16, async (fan) => {
    const headers = {
      [IDENTITY_HEADERS.userId]: fan,
      [IDENTITY_HEADERS.assertion]: await assertions.sign({ userId: fan, username: `b${fan.slice(0, 8)}` }),
    };
    const r = await fetch(`${profiles}/following/${author.id}`, { method: 'PUT', headers });
    if (r.status !== 200) throw new Error(`follow: ${r.status} ${await r.text()}`);
  });

  // Go and V8 return memory to the system at their own pace: the least of a few readings before, the most while open.
  const sampled = async (pick: (...xs: number[]) => number) => {
    const readings: Array<{ traefik: number; feed: number }> = [];
    for (let i = 0; i < 5; i++) {
      readings.push({ traefik: rssKiB('traefik'), feed: rssKiB('feed-service') });
      await sleep(500);
    }
    return { traefik: pick(...readings.map((r) => r.traefik)), feed: pick(...readings.map((r) => r.feed)) };
  };
  const before = await sampled(Math.min);
  const streams: EventStream[] = [];
  await inParallel(fans, 32, async (fan) => {
    const token = await tokens.sign({ userId: fan, username: `b${fan.slice(0, 8)}` });
    const s = await openEventStream(`${gateway}/api/activity-stream/home/live`, { authorization: `Bearer ${token}` });
    if (s.status !== 200) throw new Error(`stream: ${s.status} ${s.refusal}`);
    streams.push(s);
  });
  const open = await sampled(Math.max);

  // Every delivery's latency, and per post the time until its last subscriber had it.
  const deliveries: number[] = [];
  const lastOfPost: number[] = [];
  let missing = 0;
  const cpuBefore = cpuByComponent();
  const clientBefore = process.cpuUsage();
  try {
    for (let i = 0; i < POSTS; i++) {
      const t0 = performance.now();
      const r = await fetch(`${gateway}/api/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${author.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `live ${i}`, content: 'x'.repeat(200) }),
      });
      if (r.status !== 201) throw new Error(`post: ${r.status} ${await r.text()}`);
      const { id } = (await r.json()) as { id: string };
      // Each event is stamped as it is parsed: the latency is the stamp, not when this loop looked.
      const got = new Map<EventStream, number>();
      const everyone = async () => {
        for (const s of streams) {
          if (got.has(s)) continue;
          const e = s.events.find((x) => x.event === 'post.created' && x.data.includes(id));
          if (e) got.set(s, e.at - t0);
        }
        return got.size === streams.length;
      };
      await eventually(everyone, 10_000, 20).catch(() => undefined);
      missing += streams.length - got.size;
      deliveries.push(...got.values());
      lastOfPost.push(Math.max(...got.values()));
      for (const s of streams) s.events.length = 0;
      await sleep(Math.max(0, 500 - (performance.now() - t0)));
    }
  } finally {
    for (const s of streams) s.close();
  }
  // CPU per event received, by component: the posts' own way (create, relay, consume) is shared among them.
  const used = cpuUsed(cpuBefore, cpuByComponent());
  const client = process.cpuUsage(clientBefore);
  const perDelivery = (ms: number | undefined) => round3(((ms ?? 0) * 1000) / Math.max(1, deliveries.length));
  return {
    subscribers,
    posts: POSTS,
    missing,
    p50_ms: percentile(deliveries, 50),
    p99_ms: percentile(deliveries, 99),
    last_p99_ms: percentile(lastOfPost, 99),
    traefik_kib_per_stream: round3((open.traefik - before.traefik) / subscribers),
    feed_kib_per_stream: round3((open.feed - before.feed) / subscribers),
    cpu_us_per_delivery: {
      traefik: perDelivery(used.traefik),
      feed_service: perDelivery(used['feed-service']),
      subscribers: perDelivery((client.user + client.system) / 1000),
    },
  };
}

process.stderr.write(
  `  home streams of ${SIZES.join(', ')} subscribers through the gateway, ${POSTS} posts each ...\n`,
);
const runs: LiveRun[] = [];
for (const n of SIZES) {
  runs.push(await runWith(n));
  await sleep(2_000); // the streams' places freed before the next size
}
const results: LiveResults = { context: runContext(), runs };
await publish('live', results, liveSection);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
