// Every figure of a suite run beside its floor from the same run, as a ratio.
// Pure: built from the results the benchmarks wrote, tested on fixtures.
import { markdownTable } from '@feedmesh/testkit';
import type { LoadResult } from './k6.js';

/** What a row needs of a measurement: k6 loads have all of it, redis-benchmark and create-to-visible part. */
export interface Measured {
  rate_offered?: number;
  rate_achieved?: number;
  failed_ratio?: number;
  p50_ms: number;
  p99_ms: number;
}

export interface Row {
  figure: string;
  floor: string;
  /** The rate both sides were offered; null when the floor is not an open-model load (redis-benchmark). */
  offered: number | null;
  value: Measured;
  base: Measured;
  ratio_p50: number | null;
  ratio_p99: number | null;
}

/** One rate of the latency-vs-load sweep: the feed read and the proxy floor, both through the gateway. */
export interface SweepPoint {
  rate: number;
  feed: LoadResult;
  floor: LoadResult;
}

/** The results files of one suite run, as far as the summary reads them. */
export interface SuiteResults {
  auth: { runs: Record<'direct' | 'gateway_public' | 'gateway_forward_auth', LoadResult> };
  posts: { runs: Record<'direct' | 'gateway' | 'gateway_high', LoadResult> };
  feed: {
    visibility: { rate_offered: number; p50_ms: number; p99_ms: number; post_p50_ms: number; post_p99_ms: number };
    reads: Record<'direct' | 'gateway', LoadResult>;
    redis_floor: { requests_per_s: number; p50_ms: number; p99_ms: number; command: string; clients: number };
    sizes: { posts_small: number; posts_large: number; small: LoadResult; large: LoadResult };
  };
  sweep: { points: SweepPoint[] };
}

/** a / b to two decimals; null when there is nothing to divide by. */
export function ratio(a: number, b: number): number | null {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return null;
  return Math.round((a / b) * 100) / 100;
}

export function compare(figure: string, value: Measured, floor: string, base: Measured): Row {
  const offered =
    value.rate_offered !== undefined && value.rate_offered === base.rate_offered ? value.rate_offered : null;
  return {
    figure,
    floor,
    offered,
    value,
    base,
    ratio_p50: ratio(value.p50_ms, base.p50_ms),
    ratio_p99: ratio(value.p99_ms, base.p99_ms),
  };
}

export function floorAt(points: SweepPoint[], rate: number): LoadResult | undefined {
  return points.find((p) => p.rate === rate)?.floor;
}

/** Share of the scheduled requests k6 could not start on time (no free virtual user). */
export const droppedShare = (r: LoadResult) => (r.requests + r.dropped > 0 ? r.dropped / (r.requests + r.dropped) : 0);

/**
 * The highest offered rate still served in full: achieved at least 97 % of
 * offered and under 1 % of the requests dropped or failed. Null if even the lowest was not.
 */
export function sustainedRate(
  points: SweepPoint[],
  pick: (p: SweepPoint) => LoadResult = (p) => p.feed,
): number | null {
  const ok = points.filter((p) => {
    const r = pick(p);
    return r.rate_achieved >= 0.97 * r.rate_offered && droppedShare(r) < 0.01 && r.failed_ratio < 0.01;
  });
  return ok.length ? Math.max(...ok.map((p) => p.rate)) : null;
}

const PROXY_FLOOR = 'Traefik → trivial backend (proxy floor)';

export function summaryRows(r: SuiteResults): Row[] {
  const rows: Row[] = [];
  const points = r.sweep.points;
  const withProxyFloor = (figure: string, value: LoadResult) => {
    const floor = floorAt(points, value.rate_offered);
    if (floor) rows.push(compare(figure, value, PROXY_FLOOR, floor));
  };
  const { auth, posts, feed } = r;

  rows.push(compare('feed read via gateway', feed.reads.gateway, 'feed-service direct', feed.reads.direct));
  withProxyFloor('feed read via gateway', feed.reads.gateway);
  rows.push(
    compare(
      'feed read, feed-service direct',
      feed.reads.direct,
      `redis-benchmark ${feed.redis_floor.command} (closed loop, ${feed.redis_floor.clients} clients)`,
      { rate_achieved: feed.redis_floor.requests_per_s, ...feed.redis_floor },
    ),
  );
  rows.push(
    compare(
      `feed read direct, ${feed.sizes.posts_large.toLocaleString('en')} posts`,
      feed.sizes.large,
      `same, ${feed.sizes.posts_small.toLocaleString('en')} posts`,
      feed.sizes.small,
    ),
  );
  rows.push(
    compare('post create → visible in the feed', feed.visibility, 'the POST answered', {
      rate_offered: feed.visibility.rate_offered,
      p50_ms: feed.visibility.post_p50_ms,
      p99_ms: feed.visibility.post_p99_ms,
    }),
  );

  rows.push(
    compare(
      'auth GET via gateway, forward-auth',
      auth.runs.gateway_forward_auth,
      'same, public chain',
      auth.runs.gateway_public,
    ),
  );
  rows.push(
    compare('auth GET via gateway, public chain', auth.runs.gateway_public, 'auth-service direct', auth.runs.direct),
  );
  withProxyFloor('auth GET via gateway, public chain', auth.runs.gateway_public);

  rows.push(compare('post create via gateway', posts.runs.gateway, 'posts-service direct', posts.runs.direct));
  withProxyFloor('post create via gateway', posts.runs.gateway);
  withProxyFloor('post create via gateway', posts.runs.gateway_high);

  for (const p of points) rows.push(compare('sweep: feed read via gateway', p.feed, PROXY_FLOOR, p.floor));
  return rows;
}

const msCell = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');
const rateCell = (m: Measured) => (m.rate_achieved === undefined ? '—' : `${m.rate_achieved}/s`);
const times = (v: number | null) => (v === null ? '—' : `×${v.toFixed(2)}`);
const failedPct = (m: Measured) => (m.failed_ratio === undefined ? '—' : `${(m.failed_ratio * 100).toFixed(1)} %`);

const SUMMARY_HEADER = [
  'figure',
  'floor',
  'offered',
  'achieved (figure / floor)',
  'failed (figure / floor)',
  'p50 ms (figure / floor)',
  'p50 ratio',
  'p99 ms (figure / floor)',
  'p99 ratio',
];

/** The rows as a markdown table: figure and floor side by side, p50 and p99 in ms, then their ratios. */
export function summaryTable(rows: Row[]): string {
  const cells = (r: Row) => [
    r.figure,
    r.floor,
    r.offered === null ? '—' : `${r.offered}/s`,
    `${rateCell(r.value)} / ${rateCell(r.base)}`,
    `${failedPct(r.value)} / ${failedPct(r.base)}`,
    `${msCell(r.value.p50_ms)} / ${msCell(r.base.p50_ms)}`,
    times(r.ratio_p50),
    `${msCell(r.value.p99_ms)} / ${msCell(r.base.p99_ms)}`,
    times(r.ratio_p99),
  ];
  return markdownTable(SUMMARY_HEADER, rows.map(cells));
}

/** How long each benchmark of a run took: from the run's start or the previous benchmark's results to its own. */
export function stageSeconds(started: string, finished: Array<[name: string, date: string]>): Array<[string, number]> {
  let from = Date.parse(started);
  return finished.map(([name, date]) => {
    const to = Date.parse(date);
    const seconds = Math.round((to - from) / 1000);
    from = to;
    return [name, seconds];
  });
}

export const minutes = (seconds: number) => `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
