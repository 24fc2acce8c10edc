import { ConsulAgent, type ServiceRegistration } from '@feedmesh/common';
import { consul as consulEndpoint, eventually, stack } from '@feedmesh/testkit';

/**
 * Puts an instance of the benchmark's own into the stack's Consul catalog,
 * with Traefik tags, so the gateway routes to it like to any service; waits
 * until every probe answers 200 through the gateway, runs `fn`, and always
 * deregisters. A benchmark killed midway leaves an instance whose check
 * fails: Traefik stops routing to it at once, Consul drops it after a minute.
 * Its check is lenient (5 s timeout): on an overloaded box a 1 s check times
 * out, and Traefik would pull the route mid-measurement (404s counted as the
 * figure's failures).
 */
export async function withBenchRoute<T>(
  reg: ServiceRegistration,
  probes: Array<{ url: string; headers?: Record<string, string> }>,
  fn: () => Promise<T>,
): Promise<T> {
  // As the stack's management token: a benchmark's own name is none of the services' tokens'.
  const consul = new ConsulAgent(consulEndpoint);
  await consul.register({ checkInterval: '5s', checkTimeout: '5s', ...reg });
  try {
    const answers = async ({ url, headers }: (typeof probes)[number]) =>
      (await fetch(url, { headers }).catch(() => undefined))?.status === 200;
    await eventually(
      async () => (await Promise.all(probes.map(answers))).every(Boolean),
      20_000,
      200,
      `benchmark routes of ${reg.id} up (see ${stack.traefikApiUrl}/api/http/routers)`,
    );
    return await fn();
  } finally {
    await consul.deregister(reg.id);
  }
}
