import { describe, expect, it } from 'vitest';
import { sweepChart } from '../src/sweep-chart.js';
import { axis, formatTick, renderChart, scale, type ChartSpec } from '../src/svg.js';
import { load, point } from './fixtures.js';

describe('scale', () => {
  it('maps linearly', () => {
    const s = scale([0, 100], [0, 200], false);
    expect(s(50)).toBe(100);
  });

  it('maps by logarithm: each decade the same distance', () => {
    const s = scale([1, 100], [300, 100], true);
    expect(s(1)).toBe(300);
    expect(s(10)).toBeCloseTo(200);
    expect(s(100)).toBeCloseTo(100);
  });
});

describe('axis', () => {
  it('spans the values with 1-2-5 ticks per decade on a log scale', () => {
    expect(axis([0.7, 3, 45], true)).toEqual({ domain: [0.5, 50], ticks: [0.5, 1, 2, 5, 10, 20, 50] });
  });

  it('starts linear axes at 0 with an even 1-2-5 step', () => {
    expect(axis([100, 930, 1180], false)).toEqual({ domain: [0, 1500], ticks: [0, 500, 1000, 1500] });
    expect(axis([90, 100], false)).toEqual({ domain: [0, 100], ticks: [0, 20, 40, 60, 80, 100] });
  });

  it('ignores values a log scale cannot show, and survives having none', () => {
    expect(axis([0, -1, Number.NaN, 2], true).domain).toEqual([2, 4]);
    expect(axis([], true).domain).toEqual([1, 10]);
  });
});

describe('formatTick', () => {
  it('keeps labels short', () => {
    expect([0.5, 20, 1000, 2500].map(formatTick)).toEqual(['0.5', '20', '1k', '2.5k']);
  });
});

describe('renderChart', () => {
  const spec: ChartSpec = {
    title: 'p50 & p99 <ms>',
    xLabel: 'rate',
    logX: true,
    xTicks: [100, 1000],
    panels: [
      {
        yLabel: 'ms',
        logY: true,
        height: 200,
        series: [
          {
            label: 'a',
            color: '#000',
            points: [
              [100, 1],
              [300, 0],
              [1000, 10],
            ],
          },
        ],
      },
    ],
  };
  const svg = renderChart(spec);

  it('is one standalone SVG document', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('escapes text', () => {
    expect(svg).toContain('p50 &amp; p99 &lt;ms&gt;');
  });

  it('draws the points a log scale can show, leaving out the rest', () => {
    const line = /<polyline class="series" data-label="a"[^>]* points="([^"]*)"/.exec(svg);
    expect(line?.[1]?.split(' ')).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(2);
  });

  it('labels the x ticks it was given', () => {
    expect(svg).toContain('>100</text>');
    expect(svg).toContain('>1k</text>');
  });
});

describe('sweepChart', () => {
  it('draws p50 and p99 of the feed read and of the proxy floor, and the achieved rates, one point per offered rate', () => {
    const svg = sweepChart(
      [
        point(100, load(100, 1, 3), load(100, 0.5, 2)),
        point(2000, load(2000, 50, 900, { rate_achieved: 1200 }), load(2000, 40, 500)),
      ],
      'sub',
    );
    const labels = [...svg.matchAll(/data-label="([^"]+)" [^>]* points="([^"]*)"/g)].map((m) => [
      m[1],
      m[2]!.split(' ').length,
    ]);
    expect(labels).toEqual([
      ['feed read p99', 2],
      ['feed read p50', 2],
      ['proxy floor p99', 2],
      ['proxy floor p50', 2],
      ['offered (ideal)', 2],
      ['feed read achieved', 2],
      ['proxy floor achieved', 2],
    ]);
    expect(svg).toContain('>2k</text>');
  });
});
