// The closing step of `stack/mesh bench` (every benchmark): reads what this
// run's benchmarks wrote, puts each figure beside its floor, and writes the
// run's summary (date, machine, versions, duration) to BENCHMARKS.md and
// bench/results/suite.json.
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { publish, repo, runContext } from './report.js';
import { env } from './setup.js';
import { minutes, stageSeconds, summaryRows, summaryTable, sustainedRate, type SuiteResults } from './summary.js';
import { CHART_PATH } from './sweep-chart.js';
import { componentVersions } from './versions.js';

const started = env('BENCH_RUN_STARTED');
const names = ['auth', 'posts', 'feed', 'sweep'] as const;
const files = await Promise.all(
  names.map(async (name) => {
    const r = JSON.parse(await readFile(`${repo}bench/results/${name}.json`, 'utf8')) as { context: { date: string } };
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

const context = runContext();
const seconds = Math.round((Date.parse(context.date) - Date.parse(started)) / 1000);
const duration = minutes(seconds);
const stageList = stages.map(([name, sec]) => `${name} ${sec} s`).join(', ');
const load = {
  start: process.env.BENCH_LOADAVG_START ?? 'unknown',
  end: loadavg()
    .map((l) => l.toFixed(2))
    .join(' '),
};
const versions = await componentVersions(context.versions);
const rows = summaryRows(results);
const sustained = sustainedRate(results.sweep.points);
const table = summaryTable(rows);

await publish(
  'suite',
  {
    benchmark: 'suite',
    context: { ...context, nproc: availableParallelism() },
    started,
    duration_seconds: seconds,
    stages: Object.fromEntries(stages),
    load_average: load,
    versions,
    rows,
  },
  `## Last full run

\`stack/mesh bench\` on ${context.date.slice(0, 10)} (started ${started}), **${duration}** for every benchmark below (${stageList}) · commit ${context.commit}.
Machine: ${availableParallelism()} cores (nproc), ${context.cpu}, shared with the whole stack and k6 itself. Load average (1, 5, 15 min): ${load.start} at the start, ${load.end} at the end; above 2, other work on the machine competed for the cores and every figure is noisier.

| component | running | pinned |
| --- | --- | --- |
${versions.map((v) => `| ${v.component} | ${v.running} | ${v.pinned} |`).join('\n')}

### Every figure beside its floor (same run)

Ratios are figure ÷ floor. "Proxy floor" is Traefik, same \`public\` chain, in front of a backend that only answers a fixed JSON body, at the same offered rate (measured in the latency sweep below).

${table}

Feed read through the gateway served in full up to **${sustained ?? 'none'}/s** offered ([latency vs offered load](${CHART_PATH})).`,
);
process.stdout.write(`\n${table}\n\nsuite: ${duration} (${stageList}); load average ${load.start} -> ${load.end}\n`);
