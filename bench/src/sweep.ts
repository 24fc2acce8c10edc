// Latency vs offered load for the feed read through the gateway (`stack/mesh
// bench sweep`): at each rate, from well below to beyond saturation, the
// proxy floor (Traefik → trivial backend) and then the feed read, each after a
// short warm-up at that rate. Writes the figures, a chart, and its section.
import { writeFile } from 'node:fs/promises';
import { repoDir, runContext, stack } from '@feedmesh/testkit';
import { withProxyFloor } from './floor.js';
import { measure } from './k6.js';
import { publish } from './report.js';
import { sweepSection, type SweepResults } from './sections.js';
import { sustainedRate, type SweepPoint } from './summary.js';
import { CHART_PATH, sweepChart } from './sweep-chart.js';

const RATES = (process.env.BENCH_SWEEP_RATES ?? '100,200,300,500,1000,1500,2000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SWEEP_SECONDS ?? 8);
const WARMUP = Number(process.env.BENCH_SWEEP_WARMUP_SECONDS ?? 2);

const feedRead = `${stack.gatewayUrl}/api/activity-stream?limit=20`;
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
const chartNote = [
  `${context.date.slice(0, 16).replace('T', ' ')} UTC`,
  `${context.cores} cores (${context.cpu})`,
  `commit ${context.commit}`,
  `k6 constant-arrival-rate, ${SECONDS} s per point after ${WARMUP} s warm-up`,
].join(' · ');
await writeFile(`${repoDir}${CHART_PATH}`, sweepChart(points, chartNote));

const load = { rates: RATES, seconds: SECONDS, warmup_seconds: WARMUP };
await publish<SweepResults>('sweep', { context, load, points, sustained }, sweepSection);
process.stdout.write(`${JSON.stringify({ points, sustained }, null, 2)}\n`);
