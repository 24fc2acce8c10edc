// The documents the benchmarks and fault scenarios write (BENCHMARKS.md,
// RELIABILITY.md): the prose is Markdown written by hand, in a template per
// section with `{{name}}` where a figure or a generated table goes; code
// fills in the values and puts the section between its markers in the
// document, leaving the rest of the document as it is.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { readEnvFile, repoDir } from './stack.js';

/** Where and on what a run happened, stored beside its figures. */
export function runContext() {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', repoDir, 'rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {
    // Not a checkout: the figures stand without a commit.
  }
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    commit,
    versions: readEnvFile('stack/versions.env'),
  };
}

export type RunContext = ReturnType<typeof runContext>;

export type TemplateValues = Record<string, string | number>;

/**
 * Puts each value where the template says `{{name}}`. Strict both ways, so
 * template and code cannot drift apart unnoticed: a placeholder without a
 * value and a value without a placeholder both throw.
 */
export function fillTemplate(template: string, values: TemplateValues): string {
  const used = new Set<string>();
  const filled = template.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template needs a value for {{${name}}}`);
    used.add(name);
    return String(value);
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length) throw new Error(`template has no place for ${unused.map((n) => `{{${n}}}`).join(', ')}`);
  return filled;
}

/** A template file of the repository (`bench/sections/auth.md`, …), filled in. */
export function renderTemplate(path: string, values: TemplateValues): string {
  return fillTemplate(readFileSync(`${repoDir}${path}`, 'utf8'), values);
}

/** A Markdown table: the header row, its rule, one row per entry. */
export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Puts `markdown` between the markers of section `name`, replacing what an
 * earlier run wrote there and nothing else.
 */
export function replaceSection(doc: string, name: string, markdown: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${begin}\n${markdown.trim()}\n${end}`;
  const at = doc.indexOf(begin);
  const stop = doc.indexOf(end, at);
  if (at === -1 || stop === -1) return `${doc.trimEnd()}\n\n${section}\n`;
  return doc.slice(0, at) + section + doc.slice(stop + end.length);
}

/** Where a suite writes: its raw results folder and its document. */
export interface Publication {
  resultsDir: string;
  doc: string;
  /** The document's first line, should it not exist yet. */
  title: string;
}

/** Writes `<resultsDir>/<name>.json` and replaces section `name` of the document. */
export async function publishSection(
  where: Publication,
  name: string,
  results: object,
  markdown: string,
): Promise<void> {
  await mkdir(`${repoDir}${where.resultsDir}`, { recursive: true });
  await writeFile(`${repoDir}${where.resultsDir}/${name}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const file = `${repoDir}${where.doc}`;
  const doc = existsSync(file) ? await readFile(file, 'utf8') : `${where.title}\n`;
  await writeFile(file, replaceSection(doc, name, markdown));
}
