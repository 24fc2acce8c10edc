import type { LoadResult } from '../src/k6.js';
import type { SuiteResults, SweepPoint } from '../src/summary.js';

/** A k6 result at `rate` with the given percentiles, served in full unless told otherwise. */
export function load(rate: number, p50: number, p99: number, more: Partial<LoadResult> = {}): LoadResult {
  return {
    rate_offered: rate,
    rate_achieved: rate,
    requests: rate * 10,
    failed_ratio: 0,
    failed: { network: 0, status_4xx: 0, status_5xx: 0 },
    dropped: 0,
    p50_ms: p50,
    p90_ms: p99,
    p99_ms: p99,
    max_ms: p99,
    ...more,
  };
}

export const point = (rate: number, feed: LoadResult, floor: LoadResult): SweepPoint => ({ rate, feed, floor });

export function suiteResults(): SuiteResults {
  return {
    auth: {
      runs: {
        direct: load(200, 0.4, 1.6),
        gateway_public: load(200, 1, 2.6),
        gateway_forward_auth: load(200, 1.8, 5.2),
      },
    },
    posts: { runs: { direct: load(100, 5, 25), gateway: load(100, 10, 70), gateway_high: load(300, 60, 250) } },
    feed: {
      visibility: { rate_offered: 100, p50_ms: 23, p99_ms: 95, post_p50_ms: 10, post_p99_ms: 60 },
      reads: { direct: load(500, 0.4, 4), gateway: load(500, 0.6, 3.6) },
      redis_floor: {
        requests_per_s: 80000,
        p50_ms: 0.08,
        p99_ms: 0.32,
        command: 'LRANGE feed:activity:global 0 19',
        clients: 10,
      },
      sizes: { posts_small: 1000, posts_large: 1_000_000, small: load(500, 0.5, 2), large: load(500, 0.4, 2) },
    },
    sweep: {
      points: [
        point(100, load(100, 0.9, 3), load(100, 0.5, 2)),
        point(200, load(200, 1, 4), load(200, 0.5, 2)),
        point(500, load(500, 1.2, 6), load(500, 0.6, 3)),
      ],
    },
  };
}
