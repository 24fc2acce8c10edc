// RELIABILITY.md from the results of the last run: one table row per scenario.
import { markdownTable } from '@feedmesh/testkit';
import type { ScenarioResult } from './scenarios.js';

const statuses = (byStatus: Record<string, number> | undefined) =>
  Object.entries(byStatus ?? {})
    .map(([s, n]) => `${n}×${s}`)
    .join(' ');

/** Failed requests as `kind: 3×502 1×503`, or `0`. */
export function failedCell(r: ScenarioResult): string {
  const kinds = Object.entries(r.requests.failed);
  if (kinds.length === 0) return '0';
  return `${r.requests.failed_total} (${kinds.map(([k, s]) => `${k}: ${statuses(s)}`).join('; ')})`;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

/** The recovery figures that matter for each scenario, in words. */
function recoveryCell(r: ScenarioResult): string {
  const t = r.timings;
  const parts: Record<string, Array<[string, number | undefined]>> = {
    kafka: [
      ['Kafka back (topic ready) after start', t.kafka_start_until_topic_ready],
      [`backlog of ${t.backlog_posts ?? '?'} posts: first to last on the topic`, t.backlog_drain],
      ['outbox drained and feeds caught up after the load', t.settle_after_load],
    ],
    feed: [
      ['kill → new instance passing', t.kill_to_new_instance_passing],
      ['→ routed', t.then_routed],
      ['reads failing after kill', t.reads_failing_after_kill],
    ],
    posts: [
      ['kill → critical', t.kill_to_critical],
      ['kill → out of Traefik', t.kill_to_unrouted],
      ['last failure after kill', t.last_failure_after_kill],
    ],
    consul: [
      ['leader back after start', t.consul_start_until_leader],
      ['→ all four passing', t.leader_to_all_passing],
      ['→ all routed', t.then_all_routed],
    ],
    redis: [['feed-rebuild (stop, wipe, replay, lag 0)', t.feed_rebuild]],
    postgres: [
      ['PostgreSQL away', t.postgres_away],
      ['auth failing after ready', t.auth_failing_after_ready],
      ['profile failing after ready', t.profile_failing_after_ready],
    ],
  };
  return (parts[r.scenario] ?? []).map(([label, ms]) => `${label} ${seconds(ms)}`).join('; ');
}

const verdict = (r: ScenarioResult) => {
  const failing = Object.keys(r.checks).filter((check) => !r.checks[check]);
  return r.passed ? 'pass' : `**FAIL** (${failing.join(', ')})`;
};

function row(r: ScenarioResult): string[] {
  const { load, posts: p, home: h } = r;
  const offered = `${load.writes_per_s} w/s + ${load.reads_per_s + load.other_per_s} r/s offered`;
  return [
    r.title,
    `${offered}, ${load.achieved_per_s}/s answered, ${load.seconds} s`,
    failedCell(r),
    `${p.acknowledged} / ${p.stored} / ${p.published} / ${p.in_feeds}`,
    `${h.follows_acknowledged} / ${h.follows_in_graph} · ${h.home_expected} / ${h.in_homes}`,
    String(p.lost.store + p.lost.topic + p.lost.feeds + h.lost.follows + h.lost.home),
    `${p.duplicate_events} / ${p.feed_duplicates} / ${h.home_duplicates}`,
    recoveryCell(r),
    verdict(r),
  ];
}

const HEADER = [
  'scenario',
  'load held',
  'requests failed (by kind × status)',
  'posts acknowledged / stored / published / in feeds',
  'follows acknowledged / in the graph · home entries due / shown',
  'acknowledged but lost',
  'duplicate events / feed duplicates / home duplicates',
  'recovery',
  'verdict',
];

/** One row per scenario. */
export function table(results: ScenarioResult[]): string {
  return markdownTable(HEADER, results.map(row));
}
