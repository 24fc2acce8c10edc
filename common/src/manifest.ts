import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The mesh's services and topics, from `mesh.json` at the top of the
 * repository: the one place their names, ports, prefixes, stores and topic
 * layouts are written. Everything else (services, stack CLI, fault suite,
 * tests, compose check) reads it from there.
 */
const store = z.enum(['postgres', 'mongodb', 'redis', 'kafka']);
const topicName = z.string().regex(/^[a-z][a-z0-9.-]*$/);

const serviceSchema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  /** Every public path of the service starts with it; the gateway routes it there. */
  prefix: z.string().regex(/^\/api\/[a-z-]+$/),
  /** Title and description of the service's OpenAPI document. */
  title: z.string().min(1),
  description: z.string().min(1),
  stores: z.array(store),
  produces: z.array(topicName),
  consumes: z.array(topicName),
  /** A script of the service's own (relative to its folder) that `stack/mesh up` runs once the services are ready. */
  setup: z
    .string()
    .regex(/^dist\/[a-z-]+\.js$/)
    .optional(),
});

const topicSchema = z.strictObject({
  description: z.string().min(1),
  /** The family of event types it carries (`post` for `post.created`, …): how code finds its topic. */
  events: z.string().regex(/^[a-z]+$/),
  /** What the message key is; it decides the partition, so one key's messages stay in order. */
  key: z.string().min(1),
  partitions: z.number().int().min(1),
  /** `forever`: feeds are rebuilt from the whole log, so nothing may age out. `compact`: the latest per key. */
  retention: z.enum(['forever', 'compact']),
  /** Where a consumer puts a message it can never apply, with the reason in a header. */
  deadLetter: topicName,
});

export const manifestSchema = z
  .strictObject({
    $comment: z.string().optional(),
    services: z.record(z.string().regex(/^[a-z]+-service$/), serviceSchema),
    topics: z.record(topicName, topicSchema),
  })
  .superRefine((m, ctx) => {
    for (const [name, service] of Object.entries(m.services)) {
      for (const topic of [...service.produces, ...service.consumes]) {
        if (!(topic in m.topics))
          ctx.addIssue({ code: 'custom', path: ['services', name], message: `unknown topic ${topic}` });
      }
      if ((service.produces.length || service.consumes.length) && !service.stores.includes('kafka')) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'stores'],
          message: 'a service with topics needs kafka',
        });
      }
    }
  });

export type Manifest = z.output<typeof manifestSchema>;
export type ServiceName = keyof Manifest['services'] & string;
export type ServiceManifest = z.output<typeof serviceSchema>;
export type TopicManifest = z.output<typeof topicSchema>;

/** `mesh.json`, validated: two levels up from this file, in `src/` and in `dist/` alike. */
export const manifest: Manifest = manifestSchema.parse(
  JSON.parse(readFileSync(new URL('../../mesh.json', import.meta.url), 'utf8')),
);

/** One service's entry; throws for a name the manifest does not have. */
export function serviceManifest(name: string): ServiceManifest & { name: string } {
  const service = manifest.services[name];
  if (!service) throw new Error(`mesh.json has no service ${name}`);
  return { name, ...service };
}

/** The topic that carries one family of events (`post` for `post.created`, …). */
export function topicFor(events: string): TopicManifest & { name: string } {
  const found = Object.entries(manifest.topics).find(([, topic]) => topic.events === events);
  if (!found) throw new Error(`mesh.json has no topic for ${events} events`);
  return { name: found[0], ...found[1] };
}

/** One topic's entry; throws for a name the manifest does not have. */
export function topicManifest(name: string): TopicManifest & { name: string } {
  const topic = manifest.topics[name];
  if (!topic) throw new Error(`mesh.json has no topic ${name}`);
  return { name, ...topic };
}
