import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The mesh's stores, services and topics, from `mesh.json` at the top of the
 * repository: the one place their names, ports, prefixes, stores and topic
 * layouts are written. Everything else (services, stack CLI, fault suite,
 * tests, compose check) reads it from there.
 */
const storeName = z.string().regex(/^[a-z]+$/);
const topicName = z.string().regex(/^[a-z][a-z0-9.-]*$/);
const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/);
/** A script of the service's own build, run from the service's folder. */
const script = z.string().regex(/^dist\/[a-z0-9-]+\.js$/);

const storeSchema = z.strictObject({
  /** The variable that carries the store's address to a service that uses it. */
  env: envName,
  /**
   * For a store with a user per service: the variable that carries the service's own password
   * (as NAME_FILE). The user is named after the service (PostgreSQL: dashes as underscores);
   * the password is the installation's secret `<SERVICE>_<NAME>` (FEED_SERVICE_REDIS_PASSWORD).
   */
  password: envName.optional(),
});

const serviceSchema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  /**
   * Every public path of the service starts with it; the gateway routes it there. An API's is under
   * `/api/`; a service that serves pages to people (web-client) has one of its own, such as `/app`.
   */
  prefix: z.string().regex(/^(\/[a-z][a-z-]*)+$/),
  /** Title and description of the service's OpenAPI document. */
  title: z.string().min(1),
  description: z.string().min(1),
  stores: z.array(storeName),
  produces: z.array(topicName),
  consumes: z.array(topicName),
  /** Variables only this service is given (signing keys), beside its stores' addresses. */
  secrets: z.array(envName).default([]),
  /** Run once the mesh is up (`stack/mesh up`), with the service's environment; must be idempotent. */
  setup: script.optional(),
  /**
   * State the service can rebuild from what it consumes (`stack/mesh <name>-rebuild`): with the
   * service stopped, `script` wipes it and rewinds `group` on every topic it consumes; the
   * service replays them on start.
   */
  rebuild: z.strictObject({ script, group: z.string().min(1) }).optional(),
  /**
   * The path, under the prefix, of the gateway's forward-auth check, on the one service that answers it.
   * Traefik calls it straight at the service; no gateway router leads there (see ACCESS.forwardAuth).
   */
  forwardAuth: z
    .string()
    .regex(/^\/[a-z-]+$/)
    .optional(),
  /**
   * The path, under the prefix, of the public keys (JWKS) that verify the identity assertions this
   * service signs, on the forward-auth service. Services fetch it at the service's own address.
   */
  identityKeys: z
    .string()
    .regex(/^(\/[a-z.-]+)+\.json$/)
    .optional(),
});

const topicSchema = z.strictObject({
  description: z.string().min(1),
  /** The family of event types it carries (`post` for `post.created`, …): how code finds its topic. */
  events: z.string().regex(/^[a-z]+$/),
  /** What the message key is; it decides the partition, so one key's messages stay in order. */
  key: z.string().min(1),
  partitions: z.number().int().min(1),
  /**
   * `forever`: feeds are rebuilt from the whole log, so nothing may age out. `compact`: the latest per key.
   * `<n>d`: n days, for events that mean nothing once older (a revocation, past the tokens it voids).
   */
  retention: z.union([z.enum(['forever', 'compact']), z.string().regex(/^[1-9][0-9]{0,3}d$/)]),
  /** Where a consumer puts a message it can never apply, with the reason in a header. */
  deadLetter: topicName,
});

export const manifestSchema = z
  .strictObject({
    $comment: z.string().optional(),
    stores: z.record(storeName, storeSchema),
    // Lower-case words joined by dashes: it names a folder, a system user, a Consul service and a variable
    // (WEB_CLIENT_URL), and most end in `-service`, which the names derived from it drop.
    services: z.record(z.string().regex(/^[a-z]+(-[a-z]+)+$/), serviceSchema),
    topics: z.record(topicName, topicSchema),
  })
  .superRefine((m, ctx) => {
    const checkers = Object.entries(m.services).filter(([, s]) => s.forwardAuth !== undefined);
    // One address for Traefik to ask; a mesh without user routes needs none.
    if (checkers.length > 1)
      ctx.addIssue({ code: 'custom', path: ['services'], message: 'at most one service answers forwardAuth' });
    for (const [name, service] of Object.entries(m.services)) {
      for (const store of service.stores) {
        if (!(store in m.stores))
          ctx.addIssue({ code: 'custom', path: ['services', name, 'stores'], message: `unknown store ${store}` });
      }
      if (service.rebuild && service.consumes.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'rebuild'],
          message: 'a rebuild replays what the service consumes, and it consumes nothing',
        });
      }
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

/** The service that answers the gateway's forward-auth check, and the path it answers it on. */
export function forwardAuthService(): ServiceManifest & { name: string; forwardAuth: string; identityKeys: string } {
  const found = Object.entries(manifest.services).find(([, s]) => s.forwardAuth !== undefined);
  if (!found) throw new Error('mesh.json names no service that answers forwardAuth');
  const [name, service] = found;
  if (service.identityKeys === undefined)
    throw new Error(`mesh.json: ${name} answers forwardAuth without identityKeys`);
  return { name, ...service, forwardAuth: service.forwardAuth!, identityKeys: service.identityKeys };
}

/** The topic that carries one family of events (`post` for `post.created`, …). */
export function topicFor(events: string): TopicManifest & { name: string } {
  const found = Object.entries(manifest.topics).find(([, topic]) => topic.events === events);
  if (!found) throw new Error(`mesh.json has no topic for ${events} events`);
  return { name: found[0], ...found[1] };
}
