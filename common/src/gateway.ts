import { templateRegex } from './openapi.js';
import { ACCESS, type Access, type Operation } from './operation.js';

/** One Traefik router a service asks the gateway for. */
export interface RouteSpec {
  router: string;
  rule: string;
  /** Middlewares from api_gateway/dynamic.yml, e.g. `protected@file`. */
  middlewares?: string[];
  /** Wins over longer rules; Traefik otherwise ranks routers by rule length. */
  priority?: number;
}

/**
 * The tag every entry the gateway may route carries. Traefik's consulCatalog
 * provider is constrained to it (`constraints` in api_gateway/traefik.yml,
 * which a test holds to this value), so an entry of the catalog registered by
 * anything else — another tool sharing the Consul, a token meant for other
 * work — gets no router even with `traefik.enable=true`.
 */
export const GATEWAY_TAG = 'feedmesh.gateway=true';

/**
 * Consul tags that make Traefik's consulCatalog provider create these
 * routers. Their service is implicit: Traefik names it after the Consul
 * service (e.g. `auth-service@consulcatalog`) and fills it with every passing
 * instance.
 */
export function traefikTags(routes: RouteSpec[]): string[] {
  const tags = [GATEWAY_TAG, 'traefik.enable=true'];
  for (const route of routes) {
    const r = `traefik.http.routers.${route.router}`;
    tags.push(`${r}.rule=${route.rule}`, `${r}.entrypoints=web`);
    if (route.middlewares?.length) tags.push(`${r}.middlewares=${route.middlewares.join(',')}`);
    if (route.priority !== undefined) tags.push(`${r}.priority=${route.priority}`);
  }
  return tags;
}

export const pathPrefix = (prefix: string) => `PathPrefix(\`${prefix}\`)`;

/** Priority of routers that carve declared paths out of a service's prefix router. */
export const EXACT_PATH_PRIORITY = 1_000;

/** What the gateway needs to know of an operation. */
export type Routed = Pick<Operation, 'method' | 'path' | 'access'>;

const isTemplate = (path: string) => path.includes('{');

/**
 * The routers of a service, from its operations: its whole prefix, and one
 * router per other access for the paths that have it. A prefix whose every
 * operation acts for a user stays wholly behind forward-auth, so even a path
 * it does not have needs a token; any other prefix is open, and its `user`
 * paths are carved out of it. `open` paths (health, the document) are public
 * in every service. A path whose methods differ in access is carved out per
 * method, and a template never claims a literal path declared beside it
 * (OpenAPI ranks the literal first; so does the gateway).
 */
export function gatewayRouters(service: {
  name: string;
  prefix: string;
  operations: readonly Routed[];
  open: readonly string[];
}): RouteSpec[] {
  const { prefix } = service;
  const base = service.name.replace(/-service$/, '');
  const byUser = service.operations.length > 0 && service.operations.every((op) => op.access === 'user');
  const prefixChain = ACCESS[byUser ? 'user' : 'public'].gateway;
  const operations: Routed[] = [
    ...service.open.map((path) => ({ method: 'get' as const, path, access: 'public' as const })),
    ...service.operations,
  ];
  const literals = [...new Set(operations.map((op) => op.path).filter((path) => !isTemplate(path)))];

  const pathRule = (path: string) => {
    if (!isTemplate(path)) return `Path(\`${prefix}${path}\`)`;
    const pattern = new RegExp(templateRegex(path));
    const spared = literals.filter((literal) => pattern.test(literal)).map((l) => ` && !Path(\`${prefix}${l}\`)`);
    return `PathRegexp(\`${templateRegex(prefix + path)}\`)${spared.join('')}`;
  };
  const rule = (path: string, access: Access) => {
    const onPath = operations.filter((op) => op.path === path);
    if (onPath.every((op) => ACCESS[op.access].gateway === ACCESS[access].gateway)) return pathRule(path);
    const methods = onPath.filter((op) => op.access === access).flatMap((op) => methodNames(op.method));
    return `(${pathRule(path)}) && (${methods.map((m) => `Method(\`${m}\`)`).join(' || ')})`;
  };

  const routers: RouteSpec[] = [{ router: base, rule: pathPrefix(prefix), middlewares: [prefixChain] }];
  for (const access of new Set(operations.map((op) => op.access))) {
    if (ACCESS[access].gateway === prefixChain) continue;
    const rules = [...new Set(operations.filter((op) => op.access === access).map((op) => rule(op.path, access)))];
    routers.push({
      router: `${base}-${access}`,
      rule: rules.length > 1 ? rules.map((r) => (r.includes(' && ') ? `(${r})` : r)).join(' || ') : rules[0]!,
      middlewares: [ACCESS[access].gateway],
      priority: EXACT_PATH_PRIORITY,
    });
  }
  return routers;
}

const methodNames = (method: Routed['method']) => (method === 'get' ? ['GET', 'HEAD'] : [method.toUpperCase()]);
