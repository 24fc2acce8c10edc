import { describe, expect, it } from 'vitest';
import { manifest, manifestSchema, serviceManifest, topicFor } from '../src/manifest.js';

describe('mesh.json', () => {
  it('declares each service and topic, and each service its topics', () => {
    expect(Object.keys(manifest.services).length).toBeGreaterThan(0);
    for (const name of Object.keys(manifest.services)) expect(serviceManifest(name).name).toBe(name);
    expect(topicFor('post').partitions).toBeGreaterThan(0);
  });

  it('refuses a service naming a topic it does not declare', () => {
    const broken = structuredClone(manifest);
    const [first] = Object.values(broken.services);
    first!.consumes.push('no-such-topic');
    first!.stores.push('kafka');
    expect(manifestSchema.safeParse(broken).success).toBe(false);
  });

  it('refuses a service with topics but no kafka', () => {
    const broken = structuredClone(manifest);
    const producer = Object.values(broken.services).find((s) => s.produces.length > 0)!;
    producer.stores = producer.stores.filter((s) => s !== 'kafka');
    expect(manifestSchema.safeParse(broken).success).toBe(false);
  });

  it('refuses a service using a store the manifest does not declare', () => {
    const broken = structuredClone(manifest);
    Object.values(broken.services)[0]!.stores.push('cassandra');
    expect(manifestSchema.safeParse(broken).success).toBe(false);
  });

  it('refuses a rebuild by a service that consumes nothing', () => {
    const broken = structuredClone(manifest);
    const service = Object.values(broken.services).find((s) => s.consumes.length === 0)!;
    service.rebuild = { script: 'dist/rebuild.js', group: 'g' };
    expect(manifestSchema.safeParse(broken).success).toBe(false);
  });

  it("refuses a setup script outside the service's own build", () => {
    for (const script of ['../other-service/dist/x.js', 'src/setup.ts', '/tmp/x.js']) {
      const broken = structuredClone(manifest);
      Object.values(broken.services)[0]!.setup = script;
      expect(manifestSchema.safeParse(broken).success, script).toBe(false);
    }
  });

  it('gives a service without secrets an empty list', () => {
    const raw = structuredClone(manifest) as { services: Record<string, { secrets?: string[] }> };
    for (const service of Object.values(raw.services)) delete service.secrets;
    const parsed = manifestSchema.parse(raw);
    for (const service of Object.values(parsed.services)) expect(service.secrets).toEqual([]);
  });

  it('takes a prefix of lower-case path segments, and nothing that could climb out of it', () => {
    for (const [prefix, ok] of [
      ['/app', true],
      ['/api/posts', true],
      ['/app/', false],
      ['/app/../api', false],
      ['/App', false],
      ['app', false],
    ] as const) {
      const changed = structuredClone(manifest);
      Object.values(changed.services)[0]!.prefix = prefix;
      expect(manifestSchema.safeParse(changed).success, prefix).toBe(ok);
    }
  });

  it('throws for a family of events no topic carries', () => {
    expect(() => topicFor('nothing')).toThrow(/no topic/);
  });
});
