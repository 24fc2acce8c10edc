import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './k6.js';

export const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Where and on what a run happened, stored beside its figures. */
export function runContext() {
  const versions = Object.fromEntries(
    readFileSync(`${repo}stack/versions.env`, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => l.split('=') as [string, string]),
  );
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {
    // Not a checkout: the figures stand without a commit.
  }
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    commit,
    versions,
  };
}

/** Writes `bench/results/<name>.json` and replaces this benchmark's section of BENCHMARKS.md. */
export function publish(name: string, results: object, markdown: string): Promise<void> {
  return publishSection(
    { resultsDir: 'bench/results', doc: 'BENCHMARKS.md', title: '# Benchmarks' },
    name,
    results,
    markdown,
  );
}

/**
 * Writes `<resultsDir>/<name>.json` and replaces the `name` section of a
 * report document (paths relative to the repository), creating it with
 * `title` if it does not exist yet.
 */
export async function publishSection(
  where: { resultsDir: string; doc: string; title: string },
  name: string,
  results: object,
  markdown: string,
): Promise<void> {
  await mkdir(`${repo}${where.resultsDir}`, { recursive: true });
  await writeFile(`${repo}${where.resultsDir}/${name}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const file = `${repo}${where.doc}`;
  const doc = existsSync(file) ? await readFile(file, 'utf8') : `${where.title}\n`;
  await writeFile(file, replaceSection(doc, name, markdown));
}

/** Puts `markdown` between this benchmark's markers, replacing what an earlier run wrote there and nothing else. */
export function replaceSection(doc: string, name: string, markdown: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${begin}\n${markdown.trim()}\n${end}`;
  const at = doc.indexOf(begin);
  const stop = doc.indexOf(end, at);
  if (at === -1 || stop === -1) return `${doc.trimEnd()}\n\n${section}\n`;
  return doc.slice(0, at) + section + doc.slice(stop + end.length);
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;

/** The failure rate, and when there were failures, what they were. */
export function failedCell(r: Pick<LoadResult, 'failed_ratio' | 'failed'>): string {
  const pct = `${(r.failed_ratio * 100).toFixed(2)} %`;
  const causes = [
    r.failed.status_5xx && `${r.failed.status_5xx} × 5xx`,
    r.failed.status_4xx && `${r.failed.status_4xx} × 4xx`,
    r.failed.network && `${r.failed.network} unanswered`,
  ].filter(Boolean);
  return causes.length ? `${pct} (${causes.join(', ')})` : pct;
}
