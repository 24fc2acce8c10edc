import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manifest } from '@feedmesh/common';
import { repoDir } from '@feedmesh/testkit';

// Each service's README lists its variables with their defaults; the zod
// config is where they are declared. A default changed in one place only
// fails here.

/** `| \`NAME\` | \`default\` | ...` rows of a README: name → default as written. */
function documentedDefaults(readme: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const m of readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| `([^`]*)` \|/gm)) rows.set(m[1]!, m[2]!);
  return rows;
}

/** A service's zod config as this test reads it: each variable's schema, parsed with nothing given. */
interface ConfigSchema {
  shape: Record<string, { safeParse(value: undefined): { success: boolean; data?: unknown } } | undefined>;
}

const written = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));

describe.each(Object.keys(manifest.services))('%s/README.md', (service) => {
  it("gives each variable's default as its config declares it", async () => {
    const { configSchema } = (await import(`../${service}/src/config.ts`)) as { configSchema: ConfigSchema };
    const rows = documentedDefaults(readFileSync(`${repoDir}${service}/README.md`, 'utf8'));
    expect(rows.size).toBeGreaterThan(0);
    for (const [name, doc] of rows) {
      const field = configSchema.shape[name];
      expect(field, `${name} is documented but not in the config`).toBeDefined();
      const parsed = field!.safeParse(undefined);
      expect(parsed.success ? written(parsed.data) : '(no default)', name).toBe(doc);
    }
  });
});
