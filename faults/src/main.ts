// `stack/mesh faults [scenario...]`: runs the fault scenarios one after the
// other against the running stack, writes faults/results/<scenario>.json and
// the table in RELIABILITY.md (from the latest result of every scenario).
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { publishSection, runContext } from '@feedmesh/bench/report';
import { repo } from './mesh.js';
import { table } from './report.js';
import { healthy, scenarios, type ScenarioResult } from './scenarios.js';

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in scenarios));
if (unknown.length) {
  process.stderr.write(`unknown scenario(s): ${unknown.join(', ')} (one of: ${Object.keys(scenarios).join(', ')})\n`);
  process.exit(2);
}
const chosen = names.length ? names : Object.keys(scenarios);
const resultFile = (name: string) => `${repo}faults/results/${name}.json`;

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
  process.stderr.write(
    `    ${result.passed ? 'pass' : 'FAIL'} in ${took} s: ${JSON.stringify({ failed: result.requests.failed, posts: result.posts, timings: result.timings, checks: result.checks })}\n`,
  );
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
  `## Fault scenarios: the last run

Run ${context.date} · ${context.cores} cores · commit ${context.commit}. Command: \`${['stack/mesh faults', ...names].join(' ')}\` — ${chosen.length} scenario(s) in ${totalSeconds} s.
Load: open model through the gateway (authenticated writes \`POST /api/posts\`; reads of the global feed, an author's feed and acknowledged posts), each request timed out after 10 s.
Posts are counted for the scenario's own authors: acknowledged = 201s received; stored = in MongoDB; published = distinct \`post.created\` events on \`posts-events\`; in feeds = present in the authors' feed lists in Redis. Raw figures: \`faults/results/<scenario>.json\`.

${table(latest)}

${notes.join('\n')}`,
);
process.stderr.write(`fault scenarios done in ${totalSeconds} s${failed ? ' — some FAILED' : ''}\n`);
process.exit(failed ? 1 : 0);
