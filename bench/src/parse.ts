// What the external tools print, turned into numbers. Pure: tested without the tools.

/**
 * redis-benchmark --csv, e.g.
 *   "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
 *   "LRANGE feed:activity:global 0 19","67796.61","0.095","0.016","0.079","0.175","0.319","3.327"
 */
export function parseRedisBenchmarkCsv(csv: string) {
  const rows = csv
    .trim()
    .split('\n')
    .map((line) => [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!));
  const [header, values] = rows;
  if (!header || !values || header.length !== values.length)
    throw new Error(`unexpected redis-benchmark output: ${csv}`);
  const field = (name: string) => {
    const v = Number(values[header.indexOf(name)]);
    if (!Number.isFinite(v)) throw new Error(`redis-benchmark output has no ${name}: ${csv}`);
    return v;
  };
  return {
    requests_per_s: field('rps'),
    p50_ms: field('p50_latency_ms'),
    p99_ms: field('p99_latency_ms'),
    max_ms: field('max_latency_ms'),
  };
}

/** How each component says its version; the first group of the pattern is the version. */
export const VERSION_PATTERNS = {
  traefik: /^Version:\s+v?(\S+)/m, // "Version:      3.7.15"
  consul: /^Consul v(\S+)/m, // "Consul v1.22.7"
  k6: /\sv(\d+\.\d+\.\d+\S*)/, // "k6 v1.8.1 (go1.26.8, linux/amd64)"
  ferretdb: /FerretDB v?(\S+)/, // our wrapper's -version: "FerretDB v1.24.2"
  mongod: /db version v(\S+)/, // a real mongod --version
  redis: /\sv=(\S+)/, // "Redis server v=7.0.15 sha=..."
  postgres: /\(PostgreSQL\) (\S+)/, // "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
  kafka: /^kafka_[\d.]+-(\d\S*)\.jar$/m, // the broker's jar in a listing of its libs
} as const;

export function parseVersion(component: keyof typeof VERSION_PATTERNS, output: string): string {
  return VERSION_PATTERNS[component].exec(output)?.[1] ?? 'unknown';
}
