import { describe, expect, it } from 'vitest';
import { parseRedisBenchmarkCsv, parseVersion } from '../src/parse.js';

describe('parseRedisBenchmarkCsv', () => {
  it('reads throughput and percentiles from redis-benchmark --csv', () => {
    const csv =
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n' +
      '"LRANGE feed:activity:global 0 19","67796.61","0.095","0.016","0.079","0.175","0.319","3.327"\n';
    expect(parseRedisBenchmarkCsv(csv)).toEqual({
      requests_per_s: 67796.61,
      p50_ms: 0.079,
      p99_ms: 0.319,
      max_ms: 3.327,
    });
  });

  it('refuses output it does not understand instead of reporting NaN', () => {
    expect(() => parseRedisBenchmarkCsv('Could not connect to Redis at 127.0.0.1:6379: Connection refused')).toThrow(
      /unexpected/,
    );
  });
});

describe('parseVersion', () => {
  it('reads what each component prints', () => {
    expect(parseVersion('traefik', 'Version:      3.7.15\nCodename:     langres\n')).toBe('3.7.15');
    expect(parseVersion('consul', 'Consul v1.22.7\nRevision abc\n')).toBe('1.22.7');
    expect(parseVersion('k6', 'k6-1.8.1 v1.8.1 (go1.26.8, linux/amd64)')).toBe('1.8.1');
    expect(parseVersion('ferretdb', 'FerretDB v1.24.2')).toBe('1.24.2');
    expect(parseVersion('mongod', 'db version v7.0.14\nBuild Info: {}')).toBe('7.0.14');
    expect(parseVersion('redis', 'Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0')).toBe('7.0.15');
    expect(parseVersion('postgres', 'postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)')).toBe('15.20');
    expect(parseVersion('kafka', 'kafka-clients-4.3.1.jar\nkafka_2.13-4.3.1.jar\nkafka-tools-4.3.1.jar')).toBe('4.3.1');
  });

  it('says unknown rather than guessing', () => {
    expect(parseVersion('consul', 'command not found')).toBe('unknown');
  });
});
