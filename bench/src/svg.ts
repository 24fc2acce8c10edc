// A small line-chart renderer with no dependencies: stacked panels sharing one
// x axis, linear or logarithmic scales, a legend per panel. Pure: a spec in,
// SVG text out, so the chart in the repository is reproducible from the results.

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  /** [x, y]; points a scale cannot show (NaN, or ≤ 0 on a log scale) are left out. */
  points: Array<[number, number]>;
}

export interface Panel {
  yLabel: string;
  logY: boolean;
  height: number;
  series: Series[];
}

export interface ChartSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  logX: boolean;
  /** Where to put the x ticks (e.g. the rates actually measured); chosen automatically if absent. */
  xTicks?: number[];
  panels: Panel[];
  width?: number;
}

const MARGIN = { left: 72, right: 200, top: 64, gap: 64, bottom: 8 };
const FONT = 'font-family="sans-serif"';

/** Maps a domain onto pixels, linearly or by logarithm. */
export function scale(domain: [number, number], range: [number, number], log: boolean): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const [d0, d1] = [f(domain[0]), f(domain[1])];
  return (v) => range[0] + ((f(v) - d0) / (d1 - d0 || 1)) * (range[1] - range[0]);
}

/** 1-2-5 steps: the values a reader can place without arithmetic. */
function niceStep(rough: number): number {
  const p = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= rough) ?? 10 * p;
}

/**
 * Axis domain covering the values and ticks inside it: 1-2-5 per decade when
 * log, even 1-2-5 steps from 0 when linear.
 */
export function axis(values: number[], log: boolean): { domain: [number, number]; ticks: number[] } {
  const shown = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (shown.length === 0) return { domain: log ? [1, 10] : [0, 1], ticks: log ? [1, 10] : [0, 1] };
  const min = Math.min(...shown);
  const max = Math.max(...shown);
  if (!log) {
    const step = niceStep(max / 5 || 1);
    const top = Math.ceil(max / step) * step || step;
    return { domain: [0, top], ticks: Array.from({ length: Math.round(top / step) + 1 }, (_, i) => round(i * step)) };
  }
  const candidates: number[] = [];
  for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)) + 1; e++)
    for (const m of [1, 2, 5]) candidates.push(round(m * 10 ** e));
  const lo = Math.max(...candidates.filter((c) => c <= min));
  const hi = Math.min(...candidates.filter((c) => c >= max));
  return { domain: [lo, hi === lo ? lo * 2 : hi], ticks: candidates.filter((c) => c >= lo && c <= hi) };
}

const round = (v: number) => Number(v.toPrecision(12));

/** Short tick labels: 0.5, 20, 1k, 2.5k. */
export function formatTick(v: number): string {
  if (v >= 1000) return `${round(v / 1000)}k`;
  return String(round(v));
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const px = (v: number) => v.toFixed(1);

export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 860;
  const plotW = width - MARGIN.left - MARGIN.right;
  const allX = spec.panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x)));
  const xAxis = axis(spec.xTicks ?? allX, spec.logX);
  if (spec.logX) {
    // Room either side of the first and last measured rate.
    const shown = (spec.xTicks ?? allX).filter((v) => v > 0);
    xAxis.domain = [Math.min(...shown) / 1.15, Math.max(...shown) * 1.15];
  }
  const xTicks = spec.xTicks ?? xAxis.ticks;
  const x = scale(xAxis.domain, [MARGIN.left, MARGIN.left + plotW], spec.logX);
  const out: string[] = [];
  let top = MARGIN.top;
  for (const panel of spec.panels) {
    const ys = panel.series.flatMap((s) => s.points.map(([, y]) => y));
    const yAxis = axis(ys, panel.logY);
    const bottom = top + panel.height;
    const y = scale(yAxis.domain, [bottom, top], panel.logY);
    out.push(`<g class="panel">`);
    out.push(
      `<rect x="${MARGIN.left}" y="${top}" width="${plotW}" height="${panel.height}" fill="#fff" stroke="#999"/>`,
    );
    for (const t of yAxis.ticks) {
      const ty = px(y(t));
      out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${ty}" y2="${ty}" stroke="#e4e4e4"/>`);
      out.push(
        `<text x="${MARGIN.left - 6}" y="${ty}" dy="4" text-anchor="end" font-size="11" ${FONT}>` +
          `${formatTick(t)}</text>`,
      );
    }
    for (const t of xTicks) {
      const tx = px(x(t));
      out.push(`<line x1="${tx}" x2="${tx}" y1="${top}" y2="${bottom}" stroke="#f0f0f0"/>`);
      out.push(
        `<text x="${tx}" y="${bottom + 16}" text-anchor="middle" font-size="11" ${FONT}>${formatTick(t)}</text>`,
      );
    }
    out.push(
      `<text x="${MARGIN.left + plotW / 2}" y="${bottom + 34}" text-anchor="middle" font-size="12" ${FONT}>` +
        `${escapeXml(spec.xLabel)}</text>`,
    );
    const midY = top + panel.height / 2;
    out.push(
      `<text x="16" y="${px(midY)}" transform="rotate(-90 16 ${px(midY)})" text-anchor="middle" font-size="12" ` +
        `${FONT}>${escapeXml(panel.yLabel)}</text>`,
    );
    panel.series.forEach((s, i) => {
      const pts = s.points.filter(
        ([px_, py]) =>
          Number.isFinite(px_) && Number.isFinite(py) && (!spec.logX || px_ > 0) && (!panel.logY || py > 0),
      );
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      const coords = pts.map(([a, b]) => `${px(x(a))},${px(y(b))}`).join(' ');
      out.push(
        `<polyline class="series" data-label="${escapeXml(s.label)}" fill="none" stroke="${s.color}" ` +
          `stroke-width="2"${dash} points="${coords}"/>`,
      );
      for (const [a, b] of pts) out.push(`<circle cx="${px(x(a))}" cy="${px(y(b))}" r="3" fill="${s.color}"/>`);
      const ly = top + 14 + i * 20;
      const lx = MARGIN.left + plotW + 14;
      out.push(`<line x1="${lx}" x2="${lx + 26}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
      out.push(`<text x="${lx + 32}" y="${ly}" dy="4" font-size="11" ${FONT}>${escapeXml(s.label)}</text>`);
    });
    out.push(`</g>`);
    top = bottom + MARGIN.gap;
  }
  const height = top - MARGIN.gap + 40 + MARGIN.bottom;
  const head = [
    `<text x="${MARGIN.left}" y="26" font-size="16" font-weight="bold" ${FONT}>${escapeXml(spec.title)}</text>`,
    spec.subtitle
      ? `<text x="${MARGIN.left}" y="46" font-size="11" fill="#555" ${FONT}>${escapeXml(spec.subtitle)}</text>`
      : '',
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#fafafa"/>`,
    ...head.filter(Boolean),
    ...out,
    `</svg>`,
    '',
  ].join('\n');
}
