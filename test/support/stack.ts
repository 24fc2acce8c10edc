import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root, for spawning built services. */
export const repoDir = fileURLToPath(new URL('../..', import.meta.url));

// `stack/mesh up` writes the addresses of the running native stack here; the
// environment wins, so the same tests can point at another deployment.
function fromFile(): Record<string, string> {
  const file = `${repoDir}.run/stack.env`;
  if (!existsSync(file)) return {};
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(entries);
}

const file = fromFile();
const get = (name: string, fallback: string) => process.env[name] ?? file[name] ?? fallback;

export const stack = {
  gatewayUrl: get('GATEWAY_URL', 'http://localhost'),
  traefikApiUrl: get('TRAEFIK_API_URL', 'http://127.0.0.1:8080'),
  consulUrl: get('CONSUL_URL', 'http://127.0.0.1:8500'),
  databaseUrl: get('DATABASE_URL', ''),
  mongodbUrl: get('MONGODB_URL', 'mongodb://127.0.0.1:27017/'),
  /** Where FerretDB keeps its documents (native stack only). */
  ferretdbPostgresUrl: get('FERRETDB_POSTGRES_URL', ''),
  redisUrl: get('REDIS_URL', 'redis://127.0.0.1:6379'),
  kafkaBrokers: get('KAFKA_BROKERS', '127.0.0.1:9092'),
  /** auth-service itself, bypassing the gateway. */
  authUrl: get('AUTH_URL', 'http://127.0.0.1:5001'),
  jwtSecret: get('JWT_SECRET', ''),
  identityKey: get('IDENTITY_ASSERTION_KEY', ''),
};

/** Env that lets a spawned service reach every store of the stack. */
export function serviceEnv(): Record<string, string> {
  return {
    CONSUL_URL: stack.consulUrl,
    DATABASE_URL: stack.databaseUrl,
    MONGODB_URL: stack.mongodbUrl,
    REDIS_URL: stack.redisUrl,
    KAFKA_BROKERS: stack.kafkaBrokers,
    JWT_SECRET: stack.jwtSecret,
    IDENTITY_ASSERTION_KEY: stack.identityKey,
  };
}

/** Polls `probe` until it returns a truthy value; returns it with the time it took. */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 15_000, everyMs = 100) {
  const started = performance.now();
  let last: unknown;
  while (performance.now() - started < timeoutMs) {
    try {
      const value = await probe();
      if (value) return { value, ms: Math.round(performance.now() - started) };
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
