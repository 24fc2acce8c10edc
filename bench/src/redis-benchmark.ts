import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { stack } from '@feedmesh/testkit';
import { parseRedisBenchmarkCsv } from './parse.js';

const run = promisify(execFile);

/**
 * Runs `redis-benchmark` against the stack's Redis with `options` (clients,
 * pipelining, requests) and one command, and returns its figures.
 */
export async function redisBenchmark(options: string[], command: string[]) {
  const { hostname, port, username, password } = new URL(stack.redisUrl);
  const { stdout } = await run('redis-benchmark', [
    '-h',
    hostname,
    '-p',
    port || '6379',
    // The tests' own user (redis-benchmark takes no password file; this run is short and local).
    ...(password ? ['--user', decodeURIComponent(username), '-a', decodeURIComponent(password)] : []),
    ...options,
    '--csv',
    ...command,
  ]);
  return parseRedisBenchmarkCsv(stdout);
}
