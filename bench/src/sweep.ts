// Latency vs offered load for the feed read through the gateway (`stack/mesh
// bench sweep`): at each rate, from well below to beyond saturation, the
// proxy floor (Traefik → trivial backend) and then the feed read, each after a
// short warm-up at that rate. Writes the figures, a chart, and its section.
import { writeFile } from 'node:fs/promises';
import { withProxyFloor } from './floor.js';
import { measure, type LoadResult } from './k6.js';
import { failedCell, ms, publish, repo, runContext } from './report.js';
import { env } from './setup.js';
import { droppedShare, ratio, sustainedRate, type SweepPoint } from './summary.js';
import { CHART_PATH, sweepChart } from './sweep-chart.js';

const RATES = (process.env.BENCH_SWEEP_RATES ?? '100,200,300,500,1000,1500,2000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SWEEP_SECONDS ?? 8);
const WARMUP = Number(process.env.BENCH_SWEEP_WARMUP_SECONDS ?? 2);

const feedRead = `${env('GATEWAY_URL')}/api/activity-stream?limit=20`;
// Enough virtual users for the rate at a 100 ms answer (k6 may grow to 4×);
// past that k6 drops iterations, and the drops are how overload shows.
const vus = (rate: number) => Math.max(50, Math.ceil(rate / 10));

const points: SweepPoint[] = await withProxyFloor(async ({ gateway: floorUrl }) => {
  const out: SweepPoint[] = [];
  for (const rate of RATES) {
    process.stderr.write(`  ${rate}/s: proxy floor, then feed read (${WARMUP}s warm-up + ${SECONDS}s each) ...\n`);
    const floor = await measure({ url: floorUrl, rate, seconds: SECONDS, vus: vus(rate) }, WARMUP);
    const feed = await measure({ url: feedRead, rate, seconds: SECONDS, vus: vus(rate) }, WARMUP);
    out.push({ rate, feed, floor });
  }
  return out;
});

const context = runContext();
const sustained = { feed: sustainedRate(points), floor: sustainedRate(points, (p) => p.floor) };
await writeFile(
  `${repo}${CHART_PATH}`,
  sweepChart(
    points,
    `${context.date.slice(0, 16).replace('T', ' ')} UTC · ${context.cores} cores (${context.cpu}) · commit ${context.commit} · k6 constant-arrival-rate, ${SECONDS} s per point after ${WARMUP} s warm-up`,
  ),
);

const pct = (r: LoadResult) => `${(droppedShare(r) * 100).toFixed(1)} %`;
const row = (p: SweepPoint) =>
  `| ${p.rate}/s | ${p.feed.rate_achieved}/s | ${ms(p.feed.p50_ms)} | ${ms(p.feed.p99_ms)} | ${pct(p.feed)} | ${failedCell(p.feed)} | ${p.floor.rate_achieved}/s | ${ms(p.floor.p50_ms)} | ${ms(p.floor.p99_ms)} | ×${ratio(p.feed.p50_ms, p.floor.p50_ms) ?? '—'} | ×${ratio(p.feed.p99_ms, p.floor.p99_ms) ?? '—'} |`;
await publish(
  'sweep',
  { benchmark: 'sweep', context, load: { rates: RATES, seconds: SECONDS, warmup_seconds: WARMUP }, points, sustained },
  `## Feed read: latency vs offered load

Run ${context.date} · ${context.cores} cores · commit ${context.commit}. Command: \`stack/mesh bench sweep\`.
\`GET /api/activity-stream?limit=20\` through the gateway at rising offered rates, each point ${WARMUP} s warm-up then ${SECONDS} s measured (k6 constant-arrival-rate), right after the proxy floor at the same rate: Traefik, same \`public\` chain, in front of a backend that only answers a fixed JSON body.

![feed read latency vs offered load](${CHART_PATH})

| offered | feed achieved | feed p50 | feed p99 | feed dropped | feed failed | floor achieved | floor p50 | floor p99 | p50 ratio | p99 ratio |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${points.map(row).join('\n')}

- Highest offered rate served in full (≥ 97 % achieved, < 1 % dropped or failed): **feed read ${sustained.feed ?? 'none'}/s**, proxy floor ${sustained.floor ?? 'none'}/s. Past it, k6 runs out of free virtual users and drops requests ("dropped"): the overload is visible instead of hidden in a slower load.
- Every process shares the machine's ${context.cores} cores with k6 itself, so the knee is the box's, not the gateway's alone.`,
);
process.stdout.write(`${JSON.stringify({ points, sustained }, null, 2)}\n`);
