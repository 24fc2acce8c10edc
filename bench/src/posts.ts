// Posts write benchmark, one run, one command (`stack/mesh bench posts`):
// POST /api/posts at a fixed rate through the gateway (authenticated, so
// forward-auth included) beside the same straight at posts-service, then the
// gateway at a higher offered rate to see what it sustains.
import { IDENTITY_HEADERS, identityAssertions } from '@feedmesh/common';
import { MEASURE_SECONDS as SECONDS, measure, WARMUP_SECONDS, type LoadResult } from './k6.js';
import { failedCell, ms, publish, runContext } from './report.js';
import { benchUser, env, round3 } from './setup.js';

const gateway = env('GATEWAY_URL');
const posts = env('POSTS_URL');
const RATE = Number(process.env.BENCH_POSTS_RATE ?? 100);
const HIGH_RATE = Number(process.env.BENCH_POSTS_HIGH_RATE ?? 300);

const user = await benchUser('posts');
const body = JSON.stringify({ title: 'Benchmark post', content: 'x'.repeat(200), tags: ['bench'] });
const json = { 'content-type': 'application/json' };
// Straight at the service there is no gateway to vouch for the caller: sign the assertion it would have added.
const assertion = await identityAssertions(env('IDENTITY_ASSERTION_KEY'), 300).sign({
  userId: user.id,
  username: user.username,
});

const runs: Record<string, LoadResult> = {};
const step = async (name: string, url: string, headers: Record<string, string>, rate: number) => {
  process.stderr.write(`  ${name} at ${rate}/s for ${SECONDS}s ...\n`);
  runs[name] = await measure({
    url,
    method: 'POST',
    body,
    headers: { ...json, ...headers },
    rate,
    seconds: SECONDS,
    vus: 100,
  });
};
await step(
  'direct',
  `${posts}/api/posts`,
  { [IDENTITY_HEADERS.userId]: user.id, [IDENTITY_HEADERS.assertion]: assertion },
  RATE,
);
await step('gateway', `${gateway}/api/posts`, { authorization: `Bearer ${user.token}` }, RATE);
await step('gateway_high', `${gateway}/api/posts`, { authorization: `Bearer ${user.token}` }, HIGH_RATE);

const derived = {
  gateway_added_p50_ms: round3(runs.gateway!.p50_ms - runs.direct!.p50_ms),
  gateway_ratio_p50: Math.round((runs.gateway!.p50_ms / runs.direct!.p50_ms) * 100) / 100,
  sustained_posts_per_s: runs.gateway_high!.rate_achieved,
};
const context = runContext();
const row = (label: string, r: LoadResult) =>
  `| ${label} | ${r.rate_offered}/s | ${r.rate_achieved}/s | ${ms(r.p50_ms)} | ${ms(r.p99_ms)} | ${failedCell(r)} | ${r.dropped} |`;
await publish(
  'posts',
  {
    benchmark: 'posts',
    context,
    load: { rate: RATE, high_rate: HIGH_RATE, seconds: SECONDS, warmup_seconds: WARMUP_SECONDS },
    runs,
    derived,
  },
  `## Posts: creating a post

Run ${context.date} · ${context.cores} cores · commit ${context.commit}. k6 constant-arrival-rate, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s measured, loopback only. Command: \`stack/mesh bench posts\`.
Each create is four inserts into the MongoDB-protocol server: its two listing places (global and its author's, side by side), then the event, which is the commit, then the post; it wakes the relay, which publishes to Kafka and marks the event sent.

| POST /api/posts | offered | achieved | p50 | p99 | failed | not started on time |
| --- | --- | --- | --- | --- | --- | --- |
${row('straight at posts-service', runs.direct!)}
${row('through the gateway (forward-auth included)', runs.gateway!)}
${row('through the gateway, higher offered rate', runs.gateway_high!)}

- The gateway (with forward-auth) adds ${ms(derived.gateway_added_p50_ms)} at p50 (×${derived.gateway_ratio_p50}).
- Sustained through the gateway at ${HIGH_RATE}/s offered: **${derived.sustained_posts_per_s} posts/s**.`,
);
process.stdout.write(`${JSON.stringify({ runs, derived }, null, 2)}\n`);
