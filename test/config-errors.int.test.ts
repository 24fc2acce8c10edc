import { manifest, PUBLISHED_KEYS } from '@feedmesh/common';
import { describe, expect, it } from 'vitest';
import { spawnService } from '@feedmesh/testkit';

// Each built service, started with a broken environment, must refuse to start
// with a readable list of problems and the EX_CONFIG status, never a stack trace.
// What it requires is what mesh.json gives it: its stores' addresses and its
// secrets, and, for a service that checks identity assertions (its config
// has the variable; not auth-service, which signs them, nor web-client, which
// has no user route), where the public keys that verify them are.
const verifies = async (name: string) => {
  const { configSchema } = (await import(`../${name}/src/config.ts`)) as { configSchema: { shape: object } };
  return 'IDENTITY_JWKS_URL' in configSchema.shape;
};
const required = Object.fromEntries(
  await Promise.all(
    Object.entries(manifest.services).map(async ([name, s]) => [
      name,
      [
        ...s.stores.map((store) => manifest.stores[store]!.env),
        ...s.secrets,
        ...((await verifies(name)) ? ['IDENTITY_JWKS_URL'] : []),
      ],
    ]),
  ),
) as Record<string, string[]>;
const withSecrets = Object.entries(manifest.services).flatMap(([name, s]) => s.secrets.map((secret) => [name, secret]));

describe.each(Object.entries(required))('%s with a bad environment', (name, vars) => {
  it('exits 78 naming every missing or invalid variable', async () => {
    const blank = Object.fromEntries(vars.map((v) => [v, '']));
    const svc = spawnService(name, 1, { ...blank, PORT: 'not-a-port', CONSUL_REGISTER: 'false' });
    expect(await svc.exited).toBe(78);
    const out = svc.output();
    expect(out).toContain(`${name}: invalid configuration`);
    for (const v of [...vars, 'PORT']) expect(out).toMatch(new RegExp(`^  - ${v}: `, 'm'));
    expect(out).not.toMatch(/\n\s+at /);
  });
});

describe.each(withSecrets)('%s with a key this repository once published as %s', (name, secret) => {
  it('exits 78 unless the development flag is set', async () => {
    const [published] = PUBLISHED_KEYS;
    const svc = spawnService(name, 1, { [secret!]: published!, CONSUL_REGISTER: 'false' });
    expect(await svc.exited).toBe(78);
    expect(svc.output()).toMatch(new RegExp(`^ {2}- ${secret}: a key published in this repository`, 'm'));
  });
});
