// Posts write benchmark, one run, one command (`stack/mesh bench posts`):
// POST /api/posts at a fixed rate through the gateway (authenticated, so
// forward-auth included) beside the same straight at posts-service, then the
// gateway at a higher offered rate to see what it sustains. Each measured
// run reads CPU by component around it; before the loads, on the quiet
// stack, the CPU floors of a post (cpu-floors.ts) are measured beside them.
import { IDENTITY_HEADERS, serviceManifest } from '@feedmesh/common';
import { eventually, newUser, runContext, serviceUrl, stack, stackAssertions, withCpu } from '@feedmesh/testkit';
import { cpuFloors, POST_INPUT } from './cpu-floors.js';
import { k6, MEASURE_SECONDS as SECONDS, round3, WARMUP_SECONDS, type LoadResult } from './k6.js';
import { publish } from './report.js';
import { floorSums, postsSection, wholeRun, type PostsResults } from './sections.js';

const gateway = stack.gatewayUrl;
const posts = serviceUrl('posts-service');
const RATE = Number(process.env.BENCH_POSTS_RATE ?? 100);
const HIGH_RATE = Number(process.env.BENCH_POSTS_HIGH_RATE ?? 300);

const user = await newUser('bench_posts');
const body = JSON.stringify(POST_INPUT);
const json = { 'content-type': 'application/json' };
// Straight at the service there is no gateway to vouch for the caller: sign the assertion it would have added.
const assertion = await (
  await stackAssertions(300)
).sign({
  userId: user.id,
  username: user.username,
});

const floors = await cpuFloors();

const feedStats = `${serviceUrl('feed-service')}${serviceManifest('feed-service').prefix}/stats`;
const applied = async () => ((await (await fetch(feedStats)).json()) as { events_applied: number }).events_applied;
const created = (r: LoadResult) => r.requests - r.failed.network - r.failed.status_4xx - r.failed.status_5xx;
const DRAIN_SECONDS = 60;

/**
 * Waits until the feed has applied `target` events in all: the relay and the
 * consumer have caught up with the posts made so far. Seconds it took, or
 * null when they had not within DRAIN_SECONDS.
 */
async function drain(target: number): Promise<number | null> {
  const caughtUp = async () => (await applied()) >= target;
  const waited = await eventually(caughtUp, DRAIN_SECONDS * 1000, 50, 'the feed catching up').catch(() => undefined);
  return waited ? round3(waited.ms / 1000) : null;
}

// CPU by component is read around the measured run and until the feed has
// applied its posts (the relay's and the consumer's work on them, which lags
// at a rate the mesh cannot keep up with), and divided by the posts it made.
// The warm-up's posts are drained before the first reading.
const step = async (name: string, url: string, headers: Record<string, string>, rate: number) => {
  process.stderr.write(`  ${name} at ${rate}/s for ${SECONDS}s ...\n`);
  const load = {
    url,
    method: 'POST' as const,
    body,
    headers: { ...json, ...headers },
    rate,
    seconds: SECONDS,
    vus: 100,
  };
  const start = await applied();
  const warmedUp = start + created(await k6({ ...load, seconds: WARMUP_SECONDS }));
  await drain(warmedUp);
  const { result, cpu, total } = await withCpu(
    ({ load }) => created(load),
    async () => {
      const result = await k6(load);
      return { load: result, drain_seconds: await drain(warmedUp + created(result)) };
    },
  );
  return {
    ...result.load,
    posts: created(result.load),
    drain_seconds: result.drain_seconds,
    cpu_ms_per_post: cpu,
    cpu_ms_per_post_total: total,
  };
};
const asUser = { authorization: `Bearer ${user.token}` };
const runs = {
  direct: await step(
    'direct',
    `${posts}/api/posts`,
    { [IDENTITY_HEADERS.userId]: user.id, [IDENTITY_HEADERS.assertion]: assertion },
    RATE,
  ),
  gateway: await step('gateway', `${gateway}/api/posts`, asUser, RATE),
  gateway_high: await step('gateway_high', `${gateway}/api/posts`, asUser, HIGH_RATE),
};

const sums = floorSums(floors);
const whole = wholeRun(runs);
const times = (a: number, b: number) => Math.round((a / b) * 10) / 10;
const derived = {
  gateway_added_p50_ms: round3(runs.gateway.p50_ms - runs.direct.p50_ms),
  gateway_ratio_p50: Math.round((runs.gateway.p50_ms / runs.direct.p50_ms) * 100) / 100,
  sustained_posts_per_s: runs.gateway_high.rate_achieved,
  ...sums,
  whole_run: whole,
  cpu_vs_floors: {
    direct: times(runs.direct.cpu_ms_per_post_total, sums.floors_ms_per_post),
    gateway: times(runs.gateway.cpu_ms_per_post_total, sums.floors_ms_per_post),
    gateway_high: times(runs.gateway_high.cpu_ms_per_post_total, sums.floors_ms_per_post),
    whole_run: times(whole.cpu_ms_per_post_total, sums.floors_ms_per_post),
  },
};
const load = { rate: RATE, high_rate: HIGH_RATE, seconds: SECONDS, warmup_seconds: WARMUP_SECONDS };
await publish<PostsResults>('posts', { context: runContext(), load, runs, floors, derived }, postsSection);
process.stdout.write(`${JSON.stringify({ runs, floors, derived }, null, 2)}\n`);
