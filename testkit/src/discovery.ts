// What Consul and Traefik say about the mesh right now: the instances of a
// service and their checks, and the servers the gateway balances it over.
import { manifest } from '@feedmesh/common';
import { getJson } from './http.js';
import { consulHeaders, stack } from './stack.js';

interface HealthEntry {
  Service: { ID: string; Meta?: Record<string, string> };
  Checks: Array<{ ServiceID: string; Status: string }>;
}

export interface Instance {
  id: string;
  /** `passing` when every check of the instance passes, else the first check's status. */
  status: string;
  /** The pid it registers in its Meta, if it does. */
  pid?: string;
}

/** The Consul instances of one service (by name) and their check status. */
export async function instances(service: string): Promise<Instance[]> {
  const { body } = await getJson<HealthEntry[]>(`${stack.consulUrl}/v1/health/service/${service}`, consulHeaders);
  return (body ?? []).map((e) => {
    const own = e.Checks.filter((c) => c.ServiceID === e.Service.ID);
    const passing = own.every((c) => c.Status === 'passing');
    return { id: e.Service.ID, status: passing ? 'passing' : (own[0]?.Status ?? 'none'), pid: e.Service.Meta?.pid };
  });
}

/** The server URLs Traefik balances a Consul service over right now; none when it has no such service. */
export async function routedUrls(service: string): Promise<string[]> {
  const { status, body } = await getJson<{ loadBalancer?: { servers?: Array<{ url: string }> } }>(
    `${stack.traefikApiUrl}/api/http/services/${service}@consulcatalog`,
  );
  return status === 200 ? (body.loadBalancer?.servers ?? []).map((s) => s.url) : [];
}

const services = Object.keys(manifest.services);

/** Every service of mesh.json has an instance passing in Consul. */
export async function allPassing(): Promise<boolean> {
  for (const s of services) if (!(await instances(s)).some((i) => i.status === 'passing')) return false;
  return true;
}

/** Every service of mesh.json has a server in Traefik's routing. */
export async function allRouted(): Promise<boolean> {
  for (const s of services) if ((await routedUrls(s)).length === 0) return false;
  return true;
}

/** Takes an instance out of the local Consul agent (what a service does on SIGTERM). */
export async function deregister(id: string): Promise<void> {
  const res = await fetch(`${stack.consulUrl}/v1/agent/service/deregister/${encodeURIComponent(id)}`, {
    method: 'PUT',
    headers: consulHeaders,
  });
  await res.body?.cancel();
}
