// The closing step of `stack/mesh bench` (every benchmark): reads what this
// run's benchmarks wrote, puts each figure beside its floor, and writes the
// run's summary (date, machine, versions, duration) to BENCHMARKS.md and
// bench/results/suite.json.
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { repoDir, runContext } from '@feedmesh/testkit';
import { publish } from './report.js';
import { suiteSection, type SuiteSummary } from './sections.js';
import { minutes, stageSeconds, summaryRows, summaryTable, sustainedRate, type SuiteResults } from './summary.js';
import { componentVersions } from './versions.js';

const started = process.env.BENCH_RUN_STARTED;
if (!started) throw new Error('BENCH_RUN_STARTED is not set: the suite summary runs at the end of `stack/mesh bench`');
const names = ['auth', 'posts', 'feed', 'sweep'] as const;
const files = await Promise.all(
  names.map(async (name) => {
    const r = JSON.parse(await readFile(`${repoDir}bench/results/${name}.json`, 'utf8')) as {
      context: { date: string };
    };
    // Only figures of this run go into its summary.
    if (r.context.date < started)
      throw new Error(`bench/results/${name}.json is from ${r.context.date}, before this run started (${started})`);
    return [name, r] as const;
  }),
);
const results = Object.fromEntries(files) as unknown as SuiteResults;
const stages = stageSeconds(
  started,
  files.map(([name, r]) => [name, r.context.date]),
);

const context = { ...runContext(), nproc: availableParallelism() };
const seconds = Math.round((Date.parse(context.date) - Date.parse(started)) / 1000);
const load = {
  start: process.env.BENCH_LOADAVG_START ?? 'unknown',
  end: loadavg()
    .map((l) => l.toFixed(2))
    .join(' '),
};
const versions = await componentVersions(context.versions);
const rows = summaryRows(results);

const summary: SuiteSummary = {
  context,
  started,
  duration_seconds: seconds,
  stages: Object.fromEntries(stages),
  load_average: load,
  versions,
  rows,
  sustained: sustainedRate(results.sweep.points),
};
await publish('suite', summary, suiteSection);
const stageList = stages.map(([name, sec]) => `${name} ${sec} s`).join(', ');
const table = summaryTable(rows);
process.stdout.write(
  `\n${table}\n\nsuite: ${minutes(seconds)} (${stageList}); load average ${load.start} -> ${load.end}\n`,
);
