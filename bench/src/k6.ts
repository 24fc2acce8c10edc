import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../k6/constant-rate.js', import.meta.url));

export interface Load {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** Requests started per second, whatever the latency (open model). */
  rate: number;
  seconds: number;
  vus?: number;
}

export interface LoadResult {
  rate_offered: number;
  rate_achieved: number;
  requests: number;
  failed_ratio: number;
  /** Failed requests by cause: no answer (refused, reset, 10 s timeout), 4xx, 5xx. */
  failed: { network: number; status_4xx: number; status_5xx: number };
  /** Iterations k6 could not start on time (no free virtual user): a sign of saturation. */
  dropped: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

interface Summary {
  metrics: Record<string, { values: Record<string, number> } | undefined>;
}

/** Milliseconds to three decimals, as every result file keeps them. */
export const round3 = (ms: number | undefined) => Math.round((ms ?? Number.NaN) * 1000) / 1000;

/** Runs one constant-rate load with k6 and returns its latency percentiles. */
export async function k6(load: Load): Promise<LoadResult> {
  const bin = process.env.K6_BIN;
  if (!bin) throw new Error('K6_BIN is not set: run benchmarks through `stack/mesh bench`');
  const dir = await mkdtemp(join(tmpdir(), 'feedmesh-k6-'));
  const out = join(dir, 'summary.json');
  try {
    await run(bin, ['run', '--quiet', '--no-usage-report', '--no-color', script], {
      env: {
        ...process.env,
        URL: load.url,
        METHOD: load.method ?? 'GET',
        BODY: load.body ?? '',
        HEADERS: JSON.stringify(load.headers ?? {}),
        RATE: String(load.rate),
        DURATION: `${load.seconds}s`,
        VUS: String(load.vus ?? 50),
        OUT: out,
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    const summary = JSON.parse(await readFile(out, 'utf8')) as Summary;
    const d = summary.metrics.http_req_duration?.values ?? {};
    const reqs = summary.metrics.http_reqs?.values ?? {};
    return {
      rate_offered: load.rate,
      rate_achieved: Math.round((reqs.rate ?? 0) * 10) / 10,
      requests: reqs.count ?? 0,
      failed_ratio: summary.metrics.http_req_failed?.values.rate ?? 0,
      failed: {
        network: summary.metrics.failed_network?.values.count ?? 0,
        status_4xx: summary.metrics.failed_4xx?.values.count ?? 0,
        status_5xx: summary.metrics.failed_5xx?.values.count ?? 0,
      },
      dropped: summary.metrics.dropped_iterations?.values.count ?? 0,
      p50_ms: round3(d.med),
      p90_ms: round3(d['p(90)']),
      p99_ms: round3(d['p(99)']),
      max_ms: round3(d.max),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Seconds of every measured run and of the unmeasured run before it. Short,
 * so the whole suite stays within minutes on two shared cores; override with
 * BENCH_SECONDS and BENCH_WARMUP_SECONDS for a longer look.
 */
export const MEASURE_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);

/** A short unmeasured run first (JIT, pools, keep-alive connections), then the measured one. */
export async function measure(load: Load, warmupSeconds = WARMUP_SECONDS): Promise<LoadResult> {
  await k6({ ...load, seconds: warmupSeconds });
  return k6(load);
}
