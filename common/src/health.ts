import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { jsonResponse } from './openapi.js';

/** Resolves when a dependency is usable; rejects (or times out) when it is not. */
export type HealthCheck = () => Promise<unknown>;

const passOrFail = z.enum(['pass', 'fail']);

export const healthReport = z
  .object({
    status: passOrFail,
    instance: z.string(),
    checks: z.record(
      z.string(),
      z.object({ status: passOrFail, latency_ms: z.number().int().min(0), error: z.string().optional() }),
    ),
  })
  .meta({ id: 'HealthReport' });

export type HealthReport = z.output<typeof healthReport>;

const liveReport = z.object({ status: z.literal('pass'), instance: z.string() }).meta({ id: 'LiveReport' });

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
export function healthRoutes(instance: string, checks: Record<string, HealthCheck>, timeoutMs = 2_000): OpenAPIHono {
  const routes = new OpenAPIHono();
  const health = createRoute({
    method: 'get',
    path: '/health',
    summary: 'Every dependency of this service, checked now',
    responses: {
      200: jsonResponse('Every check passes', healthReport),
      503: jsonResponse('At least one check fails', healthReport),
    },
  });
  routes.openapi(health, async (c) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((n) => runCheck(checks[n]!, timeoutMs)));
    const report: HealthReport = {
      status: results.every((r) => r.status === 'pass') ? 'pass' : 'fail',
      instance,
      checks: Object.fromEntries(names.map((n, i) => [n, results[i]!])),
    };
    return c.json(report, report.status === 'pass' ? 200 : 503);
  });
  const live = createRoute({
    method: 'get',
    path: '/health/live',
    summary: 'The process serves HTTP',
    responses: { 200: jsonResponse('Alive', liveReport) },
  });
  routes.openapi(live, (c) => c.json({ status: 'pass' as const, instance }, 200));
  return routes;
}
