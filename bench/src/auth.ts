// Identity benchmark, one run, one command (`stack/mesh bench auth`):
//   login (argon2id cost) and validate, straight at auth-service;
//   the price of forward-auth: the same authenticated GET through the gateway
//   on a router with the `protected` chain and on one with the `public` chain,
//   beside the same GET without the gateway.
import { GATEWAY_TAG, pathPrefix } from '@feedmesh/common';
import { newUser, runContext, serviceUrl, stack } from '@feedmesh/testkit';
import { MEASURE_SECONDS as SECONDS, measure, WARMUP_SECONDS } from './k6.js';
import { publish } from './report.js';
import { withBenchRoute } from './route.js';
import { authSection, type AuthResults } from './sections.js';

const gateway = stack.gatewayUrl;
const auth = serviceUrl('auth-service');

const RATE = Number(process.env.BENCH_RATE ?? 200);
const LOGIN_RATE = Number(process.env.BENCH_LOGIN_RATE ?? 10);

const creds = await newUser('bench_auth');
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
    // The gateway routes only what carries the mesh's tag (api_gateway/traefik.yml's constraints).
    GATEWAY_TAG,
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
  const step = (name: string, load: Parameters<typeof measure>[0]) => {
    process.stderr.write(`  ${name} at ${load.rate}/s for ${load.seconds}s ...\n`);
    return measure(load);
  };
  const at = (url: string) => ({ url, headers: bearer, rate: RATE, seconds: SECONDS });
  const direct = await step('direct', at(`${auth}/health/live`));
  const plain = await step('gateway_public', at(`${gateway}/bench/plain`));
  const authed = await step('gateway_forward_auth', at(`${gateway}/bench/authed`));
  const validate = await step('validate', at(`${auth}/api/auth/validate`));
  const login = await step('login', {
    url: `${auth}/api/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: creds.email, password: creds.password }),
    rate: LOGIN_RATE,
    seconds: SECONDS,
  });
  const runs = { direct, gateway_public: plain, gateway_forward_auth: authed, validate, login };
  const derived = {
    forward_auth_added_p50_ms: Math.round((authed.p50_ms - plain.p50_ms) * 1000) / 1000,
    forward_auth_added_p99_ms: Math.round((authed.p99_ms - plain.p99_ms) * 1000) / 1000,
    forward_auth_ratio_p50: Math.round((authed.p50_ms / plain.p50_ms) * 100) / 100,
    gateway_added_p50_ms: Math.round((plain.p50_ms - direct.p50_ms) * 1000) / 1000,
    gateway_ratio_p50: Math.round((plain.p50_ms / direct.p50_ms) * 100) / 100,
  };
  const results: AuthResults = {
    context: runContext(),
    load: { rate: RATE, seconds: SECONDS, login_rate: LOGIN_RATE, warmup_seconds: WARMUP_SECONDS },
    runs,
    derived,
  };
  await publish('auth', results, authSection);
  process.stdout.write(`${JSON.stringify({ runs, derived }, null, 2)}\n`);
});
