import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, newUser, repoDir, stack, type TestUser } from '@feedmesh/testkit';

// Schemathesis, the property-based API fuzzer, against every service's
// OpenAPI document through the gateway, with a real token. Every check it
// has, so besides "no 5xx" and "answers match the documented schemas and
// statuses" it also checks that schema-valid input is accepted, invalid input
// refused, undocumented methods get 405 and a wrong token 401. Bounded by the
// examples per operation; the seed is random so each run explores anew, and
// printed so a failure can be replayed (FUZZ_SEED=<seed>).
const EXAMPLES_PER_OPERATION = Number(process.env.FUZZ_EXAMPLES ?? 6);
const PREFIXES = ['/api/auth', '/api/profile', '/api/posts', '/api/activity-stream', '/app'];
/**
 * Left out: logging out with the run's one token would end the run's session, and every later
 * operation would get a 401 (test/security/identity.int.test.ts covers logout).
 */
const NOT_FUZZED = [{ method: 'POST', path: '/api/auth/logout' }];

type Document = { paths: Record<string, Record<string, { responses?: Record<string, { content?: object }> }>> };
/**
 * Left out too: the event streams a document names (their 200 is `text/event-stream`), which last until the
 * client leaves, so every example would wait out the request timeout (feed-service/test/live.int.test.ts
 * covers them, their 4xx too).
 */
const streams = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.values(ops).some((op) => 'text/event-stream' in (op.responses?.['200']?.content ?? {})) ? [path] : [],
  );

interface Report {
  running_time: number;
  exit_code: number;
  operations: { selected: number; tested: number; errored: number };
  test_cases: { generated: number; with_failures: number; errored: number };
  failures: Array<{ code: string; title: string; operations: string[] }>;
  errors: unknown[];
}

const installScript = `${repoDir}stack/install/schemathesis.sh`;
let st: string;
let user: TestUser;
const reports = mkdtempSync(join(tmpdir(), 'feedmesh-fuzz-'));
const summary: string[] = [];
const seed = process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));

beforeAll(async () => {
  // `stack/mesh test` installs it first; a direct vitest run installs it here (idempotent).
  st = process.env.SCHEMATHESIS_BIN ?? execFileSync(installScript, { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  user = await newUser('fuzz');
}, 300_000);

afterAll(() => {
  console.log(`schemathesis, ${EXAMPLES_PER_OPERATION} examples per operation, seed ${seed}:\n${summary.join('\n')}`);
  rmSync(reports, { recursive: true, force: true });
});

function fuzz(prefix: string, doc: Document): Promise<{ report: Report; output: string }> {
  const dir = mkdtempSync(join(reports, 'run-'));
  const args = [
    '--config-file',
    `${repoDir}test/schemathesis.toml`,
    'run',
    `${stack.gatewayUrl}${prefix}/openapi.json`,
    '--url',
    stack.gatewayUrl,
    '--header',
    `Authorization: Bearer ${user.token}`,
    ...NOT_FUZZED.filter(({ path }) => path.startsWith(`${prefix}/`)).flatMap(({ path }) => ['--exclude-path', path]),
    ...streams(doc).flatMap((path) => ['--exclude-path', path]),
    '--checks',
    'all',
    '--max-examples',
    String(EXAMPLES_PER_OPERATION),
    '--generation-database',
    'none',
    '--seed',
    seed,
    '--request-timeout',
    '10',
    '--no-color',
    '--report',
    'json',
    '--report-dir',
    dir,
  ];
  return new Promise((resolve, reject) => {
    let output = '';
    // In the run's own directory: Schemathesis keeps a cache of crashes in its working directory.
    const proc = spawn(st, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', (d) => (output += String(d)));
    proc.stderr.on('data', (d) => (output += String(d)));
    proc.once('error', reject);
    proc.once('exit', () => {
      const file = readdirSync(dir).find((f) => f.endsWith('.json'));
      if (!file) return reject(new Error(`schemathesis wrote no report:\n${output}`));
      resolve({ report: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Report, output });
    });
  });
}

describe('property-based fuzzing of every OpenAPI document through the gateway', () => {
  it.each(PREFIXES)(
    'finds no failure in %s',
    async (prefix) => {
      const doc = await getJson<Document>(`${stack.gatewayUrl}${prefix}/openapi.json`);
      expect(doc.status).toBe(200);
      const skipped = NOT_FUZZED.filter(({ path }) => path in doc.body.paths).length + streams(doc.body).length;
      const documented = Object.values(doc.body.paths).reduce((n, ops) => n + Object.keys(ops).length, 0) - skipped;

      const { report, output } = await fuzz(prefix, doc.body);
      const { operations, test_cases: cases } = report;
      summary.push(
        `  ${prefix}: ${operations.tested}/${documented} operations, ${cases.generated} cases, ${report.failures.length} failures, ` +
          `${report.errors.length} errors, ${report.running_time.toFixed(1)} s`,
      );
      expect(report.failures, output).toEqual([]);
      expect(report.errors, output).toEqual([]);
      expect(report.exit_code, output).toBe(0);
      expect(operations.tested).toBe(documented);
      expect(cases.generated).toBeGreaterThan(documented);
    },
    120_000,
  );
});
