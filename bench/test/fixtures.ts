import type { LoadResult } from '../src/k6.js';
import type { CpuFloor, PostsResults } from '../src/sections.js';
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

const floor = (operation: string, operations: number, cpu: Record<string, number>): CpuFloor => ({
  operation,
  components: Object.keys(cpu),
  operations,
  seconds: 4,
  cpu_ms_per_op: cpu,
  cpu_ms_per_op_total: Object.values(cpu).reduce((a, b) => a + b, 0),
});

/** A posts run at `rate` whose CPU per post by component is `cpu`. */
const run = (rate: number, p50: number, p99: number, cpu: Record<string, number>, drain: number | null = 0.4) => ({
  ...load(rate, p50, p99),
  posts: rate * 10,
  drain_seconds: drain,
  cpu_ms_per_post: cpu,
  cpu_ms_per_post_total: Object.values(cpu).reduce((a, b) => a + b, 0),
});

/** The posts benchmark's results: three runs with CPU by component, and the floors of the same run. */
export function postsResults(): PostsResults {
  return {
    context: {
      date: '2026-12-02T03:03:32.474Z',
      cores: 2,
      cpu: 'AMD EPYC',
      node: 'v20.20.2',
      commit: '0397d1f',
      versions: {},
    },
    load: { rate: 100, high_rate: 300, seconds: 10, warmup_seconds: 3 },
    runs: {
      direct: run(100, 6.54, 29.67, { kafka: 0.5, mongodb: 4, postgres: 2 }),
      gateway: run(100, 12.16, 72.88, { kafka: 0.5, mongodb: 4, postgres: 2.5, traefik: 1 }),
      gateway_high: run(300, 216, 383, { kafka: 0.4, mongodb: 3, postgres: 1.6, traefik: 1 }, null),
    },
    floors: {
      background_ms_per_s: { kafka: 20, 'posts-service': 30 },
      floors: {
        ferretdb_insert: floor('FerretDB insertOne of the post document', 1559, { mongodb: 0.7, postgres: 0.3 }),
        postgres_insert: floor('PostgreSQL INSERT of a row of the same fields', 15770, { postgres: 0.12 }),
        kafka_produce: floor('Kafka produce, one message per request', 2176, { kafka: 0.9 }),
        kafka_produce_batched: floor('Kafka produce, 100 messages per request', 52400, { kafka: 0.025 }),
        feed_script: floor("feed-service's Lua script applying a post.created", 26231, { redis: 0.062 }),
      },
    },
    derived: {
      gateway_added_p50_ms: 5.62,
      gateway_ratio_p50: 1.86,
      sustained_posts_per_s: 295.3,
      floors_ms_per_post: 2,
      lowest_ms_per_post: 0.207,
      whole_run: {
        posts: 5000,
        cpu_ms_per_post: { kafka: 0.44, mongodb: 3.4, postgres: 1.86, traefik: 0.8 },
        cpu_ms_per_post_total: 6.5,
      },
      cpu_vs_floors: { direct: 3.3, gateway: 4, gateway_high: 3, whole_run: 3.3 },
    },
  };
}
