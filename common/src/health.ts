import { Hono } from 'hono';

/** Resolves when a dependency is usable; rejects (or times out) when it is not. */
export type HealthCheck = () => Promise<unknown>;

export interface HealthReport {
  status: 'pass' | 'fail';
  instance: string;
  checks: Record<string, { status: 'pass' | 'fail'; latency_ms: number; error?: string }>;
}

async function runCheck(check: HealthCheck, timeoutMs: number) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'pass' as const, latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { status: 'fail' as const, latency_ms: Math.round(performance.now() - started), error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /health` runs every dependency check in parallel: 200 when all pass,
 * 503 with the failing ones named otherwise.
 * `GET /health/live` only proves the process serves HTTP. Consul's check uses
 * it, so an outage of a store makes the service answer 503 JSON through the
 * gateway instead of vanishing from the routing table.
 */
export function healthRoutes(instance: string, checks: Record<string, HealthCheck>, timeoutMs = 2_000): Hono {
  const routes = new Hono();
  routes.get('/health', async (c) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((n) => runCheck(checks[n]!, timeoutMs)));
    const report: HealthReport = {
      status: results.every((r) => r.status === 'pass') ? 'pass' : 'fail',
      instance,
      checks: Object.fromEntries(names.map((n, i) => [n, results[i]!])),
    };
    return c.json(report, report.status === 'pass' ? 200 : 503);
  });
  routes.get('/health/live', (c) => c.json({ status: 'pass', instance }));
  return routes;
}
