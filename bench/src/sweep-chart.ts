import type { SweepPoint } from './summary.js';
import { renderChart } from './svg.js';

/** Where the chart lives, relative to the repository root (and to BENCHMARKS.md). */
export const CHART_PATH = 'bench/results/feed-latency-vs-load.svg';

const FEED = '#1f5fbf';
const FLOOR = '#8a8a8a';

/** The sweep as a chart: latency (log) above, achieved vs offered rate below, feed read beside the proxy floor. */
export function sweepChart(points: SweepPoint[], subtitle: string): string {
  const rates = points.map((p) => p.rate);
  const line = (get: (p: SweepPoint) => number) => points.map((p): [number, number] => [p.rate, get(p)]);
  return renderChart({
    title: 'Feed read through the gateway: latency vs offered load',
    subtitle,
    xLabel: 'offered rate (requests/s, open model)',
    logX: true,
    xTicks: rates,
    panels: [
      {
        yLabel: 'latency (ms, log scale)',
        logY: true,
        height: 300,
        series: [
          { label: 'feed read p99', color: FEED, dashed: true, points: line((p) => p.feed.p99_ms) },
          { label: 'feed read p50', color: FEED, points: line((p) => p.feed.p50_ms) },
          { label: 'proxy floor p99', color: FLOOR, dashed: true, points: line((p) => p.floor.p99_ms) },
          { label: 'proxy floor p50', color: FLOOR, points: line((p) => p.floor.p50_ms) },
        ],
      },
      {
        yLabel: 'achieved (requests/s)',
        logY: false,
        height: 180,
        series: [
          { label: 'offered (ideal)', color: '#c8c8c8', dashed: true, points: line((p) => p.rate) },
          { label: 'feed read achieved', color: FEED, points: line((p) => p.feed.rate_achieved) },
          { label: 'proxy floor achieved', color: FLOOR, points: line((p) => p.floor.rate_achieved) },
        ],
      },
    ],
  });
}
