// `stack/mesh faults [scenario...]`: runs the fault scenarios one after the
// other against the running stack, writes faults/results/<scenario>.json and
// the table in RELIABILITY.md (from the latest result of every scenario).
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { POSTS_TOPIC } from '@feedmesh/common';
import { publishSection, renderTemplate, repoDir, runContext } from '@feedmesh/testkit';
import { REQUEST_TIMEOUT_MS } from './load.js';
import { table } from './report.js';
import { healthy, scenarios, type ScenarioResult } from './scenarios.js';

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in scenarios));
if (unknown.length) {
  process.stderr.write(`unknown scenario(s): ${unknown.join(', ')} (one of: ${Object.keys(scenarios).join(', ')})\n`);
  process.exit(2);
}
const chosen = names.length ? names : Object.keys(scenarios);
const resultFile = (name: string) => `${repoDir}faults/results/${name}.json`;

const t0 = performance.now();
let failed = false;
await healthy();
for (const name of chosen) {
  process.stderr.write(`==> fault scenario: ${name}\n`);
  const started = performance.now();
  const result = await scenarios[name]!();
  // Every scenario leaves the mesh as it found it: the next one starts from there.
  await healthy();
  const took = Math.round((performance.now() - started) / 1000);
  await writeFile(resultFile(name), `${JSON.stringify({ ...result, scenario_seconds: took }, null, 2)}\n`);
  const { requests, posts, timings, checks } = result;
  const figures = JSON.stringify({ failed: requests.failed, posts, timings, checks });
  process.stderr.write(`    ${result.passed ? 'pass' : 'FAIL'} in ${took} s: ${figures}\n`);
  failed ||= !result.passed;
}
const totalSeconds = Math.round((performance.now() - t0) / 1000);

const latest = Object.keys(scenarios)
  .filter((n) => existsSync(resultFile(n)))
  .map((n) => JSON.parse(readFileSync(resultFile(n), 'utf8')) as ScenarioResult & { scenario_seconds: number });
const context = runContext();
const notes = latest.flatMap((r) => r.notes.map((n) => `- ${r.scenario}: ${n}`));
await publishSection(
  { resultsDir: 'faults/results', doc: 'RELIABILITY.md', title: '# Reliability' },
  'faults',
  { context, scenarios: chosen, total_seconds: totalSeconds },
  renderTemplate('faults/sections/faults.md', {
    date: context.date,
    cores: context.cores,
    commit: context.commit,
    command: ['stack/mesh faults', ...names].join(' '),
    count: chosen.length,
    seconds: totalSeconds,
    request_timeout_s: REQUEST_TIMEOUT_MS / 1000,
    topic: POSTS_TOPIC,
    table: table(latest),
    notes: notes.join('\n'),
  }),
);
process.stderr.write(`fault scenarios done in ${totalSeconds} s${failed ? ' — some FAILED' : ''}\n`);
process.exit(failed ? 1 : 0);
