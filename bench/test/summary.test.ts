import { describe, expect, it } from 'vitest';
import {
  compare,
  droppedShare,
  floorAt,
  minutes,
  ratio,
  stageSeconds,
  summaryRows,
  summaryTable,
  sustainedRate,
} from '../src/summary.js';
import { load, point, suiteResults } from './fixtures.js';

describe('ratio', () => {
  it('divides to two decimals', () => {
    expect(ratio(1.76, 0.99)).toBe(1.78);
    expect(ratio(3, 3)).toBe(1);
  });

  it('has no value without a positive, finite floor', () => {
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(1, Number.NaN)).toBeNull();
    expect(ratio(Number.NaN, 1)).toBeNull();
  });
});

describe('compare', () => {
  it('puts the figure beside its floor with both ratios and the shared offered rate', () => {
    const row = compare('feed via gateway', load(500, 0.6, 3.6), 'direct', load(500, 0.4, 4.5));
    expect(row).toMatchObject({
      figure: 'feed via gateway',
      floor: 'direct',
      offered: 500,
      ratio_p50: 1.5,
      ratio_p99: 0.8,
    });
  });

  it('shows no offered rate when the floor was not offered the same load', () => {
    expect(compare('a', load(500, 1, 2), 'redis-benchmark', { p50_ms: 0.1, p99_ms: 0.2 }).offered).toBeNull();
    expect(compare('a', load(500, 1, 2), 'b', load(300, 1, 2)).offered).toBeNull();
  });
});

describe('sweep helpers', () => {
  const points = [
    point(100, load(100, 1, 3), load(100, 0.5, 2)),
    point(500, load(500, 1, 5), load(500, 0.5, 2)),
    // Saturated: k6 ran out of virtual users for 20 % of the requests.
    point(1000, load(1000, 40, 400, { rate_achieved: 800, requests: 8000, dropped: 2000 }), load(1000, 0.6, 3)),
  ];

  it('finds the floor measured at a rate', () => {
    expect(floorAt(points, 500)?.p50_ms).toBe(0.5);
    expect(floorAt(points, 300)).toBeUndefined();
  });

  it('counts dropped iterations against everything k6 was asked to start', () => {
    expect(droppedShare(points[2]!.feed)).toBe(0.2);
    expect(droppedShare(load(0, 1, 1, { requests: 0 }))).toBe(0);
  });

  it('takes the highest rate served in full as sustained', () => {
    expect(sustainedRate(points)).toBe(500);
    expect(sustainedRate(points, (p) => p.floor)).toBe(1000);
  });

  it('does not call a rate sustained when requests failed or the achieved rate fell short', () => {
    expect(sustainedRate([point(100, load(100, 1, 1, { failed_ratio: 0.05 }), load(100, 1, 1))])).toBeNull();
    expect(sustainedRate([point(100, load(100, 1, 1, { rate_achieved: 90 }), load(100, 1, 1))])).toBeNull();
  });
});

describe('summaryRows', () => {
  const rows = summaryRows(suiteResults());
  const find = (figure: string, floor: string) => rows.find((r) => r.figure === figure && r.floor.startsWith(floor));

  it('sets the feed read through the gateway beside the service alone and the proxy floor at the same rate', () => {
    expect(find('feed read via gateway', 'feed-service direct')).toMatchObject({
      offered: 500,
      ratio_p50: 1.5,
      ratio_p99: 0.9,
    });
    expect(find('feed read via gateway', 'Traefik')).toMatchObject({ offered: 500, ratio_p50: 1, ratio_p99: 1.2 });
  });

  it('sets the service beside redis-benchmark running the same command', () => {
    expect(find('feed read, feed-service direct', 'redis-benchmark')).toMatchObject({
      offered: null,
      ratio_p50: 5,
      ratio_p99: 12.5,
    });
  });

  it('uses the proxy floor of the matching rate for auth and posts, and leaves out rates the sweep did not measure', () => {
    expect(find('auth GET via gateway, public chain', 'Traefik')).toMatchObject({ offered: 200, ratio_p50: 2 });
    expect(find('post create via gateway', 'Traefik')).toMatchObject({ offered: 100, ratio_p50: 20 });
    // posts' 300/s run has no floor at 300/s in this fixture's sweep.
    expect(rows.filter((r) => r.figure === 'post create via gateway' && r.floor.startsWith('Traefik'))).toHaveLength(1);
  });

  it('keeps the older comparisons: forward-auth vs public chain, 1M vs 1k posts, create-to-visible vs the POST', () => {
    expect(find('auth GET via gateway, forward-auth', 'same, public chain')?.ratio_p50).toBe(1.8);
    expect(find('feed read direct, 1,000,000 posts', 'same, 1,000 posts')?.ratio_p50).toBe(0.8);
    expect(find('post create → visible in the feed', 'the POST answered')).toMatchObject({
      offered: 100,
      ratio_p50: 2.3,
    });
  });

  it('has one row per sweep point', () => {
    expect(rows.filter((r) => r.figure.startsWith('sweep')).map((r) => r.offered)).toEqual([100, 200, 500]);
  });
});

describe('summaryTable', () => {
  it('writes one markdown row per comparison, with dashes where a value does not apply', () => {
    const table = summaryTable([compare('x', load(100, 1, 4), 'redis', { p50_ms: 0.5, p99_ms: 0 })]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('| x | redis | — | 100/s / — | 0.0 % / — | 1.00 / 0.50 | ×2.00 | 4.00 / 0.00 | — |');
  });
});

describe('stageSeconds', () => {
  it('times each benchmark from the end of the one before it', () => {
    expect(
      stageSeconds('2026-01-01T00:00:00.000Z', [
        ['auth', '2026-01-01T00:01:09.400Z'],
        ['posts', '2026-01-01T00:01:56.000Z'],
      ]),
    ).toEqual([
      ['auth', 69],
      ['posts', 47],
    ]);
  });

  it('writes minutes and seconds', () => {
    expect(minutes(663)).toBe('11 min 3 s');
  });
});
