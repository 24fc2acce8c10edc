import { describe, expect, it } from 'vitest';
import { failedCell, table } from '../src/report.js';
import type { ScenarioResult } from '../src/scenarios.js';

const result: ScenarioResult = {
  scenario: 'posts',
  title: 'two posts-service instances, one SIGKILLed',
  load: {
    seconds: 35,
    offered_per_s: 40,
    achieved_per_s: 39.8,
    sent: 1400,
    writes_per_s: 20,
    reads_per_s: 20,
    other_per_s: 0,
  },
  requests: { by_kind: { write: { 201: 699, 502: 1 } }, failed: { write: { 502: 1 } }, failed_total: 1 },
  posts: {
    acknowledged: 699,
    stored: 699,
    stored_unacknowledged: 1,
    published: 700,
    duplicate_events: 0,
    in_feeds: 699,
    feed_duplicates: 0,
    lost: { store: 0, topic: 0, feeds: 0 },
    lost_examples: [],
  },
  home: {
    follows_acknowledged: 12,
    follows_in_graph: 12,
    home_expected: 350,
    in_homes: 350,
    home_duplicates: 0,
    lost: { follows: 0, home: 0 },
    lost_examples: [],
  },
  timings: { kill_to_critical: 2100, kill_to_unrouted: 2600, last_failure_after_kill: 40 },
  checks: { nothing_acknowledged_lost: true, only_expected_failures: true },
  passed: true,
  notes: [],
};

describe('the RELIABILITY.md table', () => {
  it('shows failed requests by kind and status', () => {
    expect(failedCell(result)).toBe('1 (write: 1×502)');
    expect(failedCell({ ...result, requests: { ...result.requests, failed: {}, failed_total: 0 } })).toBe('0');
  });

  it('puts one scenario on one row, with its recovery figures and the checks that failed', () => {
    const row = (r: ScenarioResult) => table([r]).split('\n')[2];
    expect(table([result]).split('\n').slice(0, 2)).toEqual([
      '| scenario | load held | requests failed (by kind × status) | posts acknowledged / stored / published / in feeds | follows acknowledged / in the graph · home entries due / shown | acknowledged but lost | duplicate events / feed duplicates / home duplicates | recovery | verdict |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ]);
    expect(row(result)).toBe(
      '| two posts-service instances, one SIGKILLed | 20 w/s + 20 r/s offered, 39.8/s answered, 35 s | 1 (write: 1×502) | 699 / 699 / 700 / 699 | 12 / 12 · 350 / 350 | 0 | 0 / 0 / 0 | kill → critical 2.1 s; kill → out of Traefik 2.6 s; last failure after kill 0.0 s | pass |',
    );
    expect(row({ ...result, passed: false, checks: { nothing_acknowledged_lost: false, no_500s: true } })).toMatch(
      /\*\*FAIL\*\* \(nothing_acknowledged_lost\) \|$/,
    );
  });
});
