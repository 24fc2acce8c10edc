import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forwardAuthService, manifest, manifestSchema } from '@feedmesh/common';
import { afterAll, describe, expect, it } from 'vitest';
import { repoDir } from '@feedmesh/testkit';

// What reads mesh.json outside the services' code agrees with it: each
// service's config schema, and the topic layout the stack and compose create.

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

it('consumes, by default, what a rebuild rewinds: its group, on the topics it consumes', async () => {
  for (const [name, { rebuild, consumes }] of Object.entries(manifest.services)) {
    if (!rebuild) continue;
    const values = Object.values(defaults(await configOf(name)));
    expect(values, name).toContain(rebuild.group);
    for (const topic of consumes) expect(values, name).toContain(topic);
  }
});

it('names at most one service that answers the gateway forward-auth check (this mesh: auth-service)', () => {
  const { auth, profile } = {
    auth: manifest.services['auth-service']!,
    profile: manifest.services['profile-service']!,
  };
  const withChecks = (a?: string, b?: string) =>
    manifestSchema.safeParse({
      ...manifest,
      services: {
        ...manifest.services,
        'auth-service': { ...auth, forwardAuth: a },
        'profile-service': { ...profile, forwardAuth: b },
      },
    }).success;
  expect(withChecks('/validate', undefined)).toBe(true);
  expect(withChecks(undefined, undefined)).toBe(true); // a mesh without user routes
  expect(withChecks('/validate', '/check')).toBe(false);
  expect(forwardAuthService()).toMatchObject({ name: 'auth-service', forwardAuth: '/validate' });
});

describe('stack/kafka/mesh-topics.sh list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-topics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const layout = (file: string) =>
    execFileSync(`${repoDir}stack/kafka/mesh-topics.sh`, ['list', file], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));

  const setting = (retention: string) =>
    retention === 'forever'
      ? 'retention.ms=-1'
      : retention === 'compact'
        ? 'cleanup.policy=compact'
        : `retention.ms=${Number(retention.slice(0, -1)) * 24 * 3600 * 1000}`;

  it('keeps a topic of days that many days', () => {
    expect(setting('7d')).toBe('retention.ms=604800000');
    const withDays = structuredClone(manifest);
    withDays.topics['audit'] = {
      ...withDays.topics['posts-events']!,
      events: 'audit',
      retention: '2d',
      deadLetter: 'audit.dlq',
    };
    const file = join(dir, 'days.json');
    writeFileSync(file, JSON.stringify(manifestSchema.parse(withDays)));
    expect(layout(file)).toEqual(expect.arrayContaining([['audit', '3', 'retention.ms=172800000']]));
  });

  it("lays out each of mesh.json's topics and its dead-letter topic, with the topic's partitions", () => {
    const want = Object.entries(manifest.topics).flatMap(([name, t]) => [
      [name, String(t.partitions), setting(t.retention)],
      [t.deadLetter, String(t.partitions), 'retention.ms=-1'],
    ]);
    expect(layout(`${repoDir}mesh.json`)).toEqual(want);
  });

  it('compacts a compact topic, and keeps everything its dead letters get', () => {
    const withCompact = structuredClone(manifest);
    withCompact.topics['users-latest'] = {
      description: 'The latest state of each user.',
      events: 'user',
      key: 'user id',
      partitions: 6,
      retention: 'compact',
      deadLetter: 'users-latest.dlq',
    };
    const file = join(dir, 'mesh.json');
    writeFileSync(file, JSON.stringify(manifestSchema.parse(withCompact)));
    expect(layout(file)).toEqual(
      expect.arrayContaining([
        ['users-latest', '6', 'cleanup.policy=compact'],
        ['users-latest.dlq', '6', 'retention.ms=-1'],
      ]),
    );
  });
});

describe('stack/kafka/mesh-auth.sh', () => {
  const auth = (...args: string[]) =>
    execFileSync(`${repoDir}stack/kafka/mesh-auth.sh`, args, { encoding: 'utf8' }).trim().split('\n');

  it('grants each service what its part in mesh.json needs, and nothing more', () => {
    const want = Object.entries(manifest.services).flatMap(([name, s]) => {
      const user = `User:${name}`;
      const topic = (t: string, ...ops: string[]) => ops.map((op) => [user, 'TOPIC', t, op].join('\t'));
      return [
        ...s.produces.flatMap((t) => topic(t, 'WRITE', 'DESCRIBE')),
        ...(s.produces.length ? [[user, 'CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE'].join('\t')] : []),
        ...s.consumes.flatMap((t) => [
          ...topic(t, 'READ', 'DESCRIBE'),
          ...topic(manifest.topics[t]!.deadLetter, 'WRITE', 'DESCRIBE'),
        ]),
        ...(s.consumes.length ? [[user, 'GROUP', s.rebuild?.group ?? name, 'READ'].join('\t')] : []),
      ];
    });
    expect(auth('acls', `${repoDir}mesh.json`)).toEqual(want.sort());
    // The forged post.created of issue 13: only posts-service may write the posts topic.
    expect(auth('acls', `${repoDir}mesh.json`).filter((l) => /\tTOPIC\tposts-events\tWRITE$/.test(l))).toEqual([
      'User:posts-service\tTOPIC\tposts-events\tWRITE',
    ]);
  });

  it('has a user for the admin and for each service using Kafka, named after it', () => {
    const users = Object.entries(manifest.services).filter(([, s]) => s.stores.includes('kafka'));
    expect(auth('users', `${repoDir}mesh.json`)).toEqual(['admin', ...users.map(([name]) => name)]);
  });
});
