import { describe, expect, it } from 'vitest';
import { healthRoutes, type HealthReport } from '../src/health.js';

const ok = async () => undefined;
const broken = async () => {
  throw new Error('connection refused');
};
const hangs = () => new Promise(() => undefined);

describe('GET /health', () => {
  it('answers 200 when every dependency passes', async () => {
    const res = await healthRoutes('i-1', { postgres: ok, kafka: ok }).request('/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as HealthReport;
    expect(body.status).toBe('pass');
    expect(body.instance).toBe('i-1');
    expect(Object.keys(body.checks)).toEqual(['postgres', 'kafka']);
  });

  it('answers 503 and names the failing dependency', async () => {
    const res = await healthRoutes('i-1', { postgres: ok, redis: broken }).request('/health');
    expect(res.status).toBe(503);
    const body = (await res.json()) as HealthReport;
    expect(body.status).toBe('fail');
    expect(body.checks.postgres?.status).toBe('pass');
    expect(body.checks.redis).toMatchObject({ status: 'fail', error: 'connection refused' });
  });

  it('fails a check that hangs instead of hanging itself', async () => {
    const started = Date.now();
    const res = await healthRoutes('i-1', { mongodb: hangs }, 50).request('/health');
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(((await res.json()) as HealthReport).checks.mongodb?.error).toMatch(/timed out/);
  });
});

describe('GET /health/live', () => {
  it('answers 200 even when a dependency is down, so the instance stays routable', async () => {
    const res = await healthRoutes('i-1', { redis: broken }).request('/health/live');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'pass', instance: 'i-1' });
  });
});
