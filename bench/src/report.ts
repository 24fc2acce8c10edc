import { publishSection } from '@feedmesh/testkit';

/**
 * Writes `bench/results/<name>.json` (the results, named) and replaces this
 * benchmark's section of BENCHMARKS.md with what `section` makes of them.
 */
export async function publish<R extends { context: object }>(
  name: string,
  results: R,
  section: (results: R) => string,
): Promise<void> {
  await publishSection(
    { resultsDir: 'bench/results', doc: 'BENCHMARKS.md', title: '# Benchmarks' },
    name,
    { benchmark: name, ...results },
    section(results),
  );
}
