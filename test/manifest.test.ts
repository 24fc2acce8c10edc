import { manifest } from '@feedmesh/common';
import { describe, expect, it } from 'vitest';

// What reads mesh.json outside the services' code agrees with it: each
// service's config schema.

interface Field {
  safeParse(value: unknown): { success: boolean; data?: unknown };
}
async function configOf(name: string): Promise<Record<string, Field>> {
  const module = (await import(`../${name}/src/config.ts`)) as { configSchema: { shape: Record<string, Field> } };
  return module.configSchema.shape;
}
/** What a config gives each variable nobody sets. */
function defaults(shape: Record<string, Field>) {
  return Object.fromEntries(
    Object.entries(shape).flatMap(([key, field]) => {
      const parsed = field.safeParse(undefined);
      return parsed.success ? [[key, parsed.data]] : [];
    }),
  );
}

describe.each(Object.entries(manifest.services))('%s config', (name, service) => {
  it("listens on mesh.json's port by default", async () => {
    expect(defaults(await configOf(name)).PORT).toBe(service.port);
  });

  it('reads the address of each of its stores under its variable, its secrets, and no other store', async () => {
    const shape = await configOf(name);
    for (const [store, { env }] of Object.entries(manifest.stores)) {
      expect(env in shape, env).toBe(service.stores.includes(store));
    }
    for (const secret of service.secrets) expect(shape, secret).toHaveProperty(secret);
  });
});

it('consumes, by default, with the group and topic a rebuild rewinds', async () => {
  for (const [name, { rebuild }] of Object.entries(manifest.services)) {
    if (!rebuild) continue;
    const values = Object.values(defaults(await configOf(name)));
    expect(values, name).toContain(rebuild.group);
    expect(values, name).toContain(rebuild.topic);
  }
});
