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

  it('throws for a family of events no topic carries', () => {
    expect(() => topicFor('nothing')).toThrow(/no topic/);
  });
});
