// Posts write benchmark, one run, one command (`stack/mesh bench posts`):
// POST /api/posts at a fixed rate through the gateway (authenticated, so
// forward-auth included) beside the same straight at posts-service, then the
// gateway at a higher offered rate to see what it sustains.
import { IDENTITY_HEADERS, identityAssertions } from '@feedmesh/common';
import { newUser, runContext, serviceUrl, stack, withCpu } from '@feedmesh/testkit';
import { k6, MEASURE_SECONDS as SECONDS, round3, WARMUP_SECONDS } from './k6.js';
import { publish } from './report.js';
import { postsSection, type PostsResults } from './sections.js';

const gateway = stack.gatewayUrl;
const posts = serviceUrl('posts-service');
const RATE = Number(process.env.BENCH_POSTS_RATE ?? 100);
const HIGH_RATE = Number(process.env.BENCH_POSTS_HIGH_RATE ?? 300);

const user = await newUser('bench_posts');
const body = JSON.stringify({ title: 'Benchmark post', content: 'x'.repeat(200), tags: ['bench'] });
const json = { 'content-type': 'application/json' };
// Straight at the service there is no gateway to vouch for the caller: sign the assertion it would have added.
const assertion = await identityAssertions(stack.identityKey, 300).sign({
  userId: user.id,
  username: user.username,
});

// CPU by component is read around the measured run only (not its warm-up) and divided by the posts it made.
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
  await k6({ ...load, seconds: WARMUP_SECONDS });
  const { result, cpu, total } = await withCpu(
    (r) => r.requests - r.failed.network - r.failed.status_4xx - r.failed.status_5xx,
    () => k6(load),
  );
  return { ...result, cpu_ms_per_post: cpu, cpu_ms_per_post_total: total };
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

const derived = {
  gateway_added_p50_ms: round3(runs.gateway.p50_ms - runs.direct.p50_ms),
  gateway_ratio_p50: Math.round((runs.gateway.p50_ms / runs.direct.p50_ms) * 100) / 100,
  sustained_posts_per_s: runs.gateway_high.rate_achieved,
};
const load = { rate: RATE, high_rate: HIGH_RATE, seconds: SECONDS, warmup_seconds: WARMUP_SECONDS };
await publish<PostsResults>('posts', { context: runContext(), load, runs, derived }, postsSection);
process.stdout.write(`${JSON.stringify({ runs, derived }, null, 2)}\n`);
