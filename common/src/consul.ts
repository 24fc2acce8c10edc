import type { Logger } from './logger.js';

/** What one service instance tells Consul about itself. */
export interface ServiceRegistration {
  name: string;
  id: string;
  address: string;
  port: number;
  tags: string[];
  /** Path of the HTTP check Consul polls on this instance. */
  checkPath: string;
  checkInterval?: string;
  checkTimeout?: string;
  /** Consul removes an instance that stays critical this long (a process that died without deregistering). */
  deregisterCriticalAfter?: string;
}

/**
 * Where Consul's HTTP API is and the ACL token to show it. Consul runs with
 * ACLs on and default deny: a call without a token may read nothing and
 * register nothing; a service's token may register only its own name
 * (service_discovery/README.md).
 */
export interface ConsulEndpoint {
  url: string;
  token?: string;
}

/** One call to Consul's HTTP API, with its token, a JSON body if given and a bounded wait. */
function consulRequest(
  consul: ConsulEndpoint,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 3_000,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (consul.token) headers['x-consul-token'] = consul.token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(new URL(path, consul.url), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** A thin client for the few agent endpoints a service needs. */
export class ConsulAgent {
  constructor(
    private readonly consul: ConsulEndpoint,
    private readonly timeoutMs = 3_000,
  ) {}

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    return consulRequest(this.consul, method, path, body, this.timeoutMs);
  }

  async register(reg: ServiceRegistration): Promise<void> {
    const res = await this.call('PUT', '/v1/agent/service/register', {
      ID: reg.id,
      Name: reg.name,
      Address: reg.address,
      Port: reg.port,
      Tags: reg.tags,
      Meta: { pid: String(process.pid) },
      Check: {
        HTTP: `http://${reg.address}:${reg.port}${reg.checkPath}`,
        Interval: reg.checkInterval ?? '2s',
        Timeout: reg.checkTimeout ?? '2s',
        // One slow answer on a starved machine must not pull a live instance out of
        // Traefik; a dead one (connection refused) still goes critical within ~4 s.
        FailuresBeforeCritical: 2,
        DeregisterCriticalServiceAfter: reg.deregisterCriticalAfter ?? '1m',
      },
    });
    if (!res.ok) throw new Error(`consul register ${reg.id}: ${res.status} ${await res.text()}`);
  }

  async deregister(id: string): Promise<void> {
    const res = await this.call('PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
    if (!res.ok && res.status !== 404) throw new Error(`consul deregister ${id}: ${res.status} ${await res.text()}`);
  }

  async isRegistered(id: string): Promise<boolean> {
    const res = await this.call('GET', `/v1/agent/service/${encodeURIComponent(id)}`);
    await res.body?.cancel();
    if (res.status === 404) return false;
    if (!res.ok) throw new Error(`consul lookup ${id}: ${res.status}`);
    return true;
  }
}

/**
 * Registers now (retrying while Consul is away) and keeps the registration
 * alive: if the agent loses it — restart with wiped state, `reset` — the
 * instance puts itself back within one interval. Returns a stop function.
 */
export function keepRegistered(agent: ConsulAgent, reg: ServiceRegistration, logger: Logger, intervalMs = 5_000) {
  let stopped = false;
  let registered = false;
  let timer: NodeJS.Timeout | undefined;

  const tick = async () => {
    try {
      if (!registered || !(await agent.isRegistered(reg.id))) {
        await agent.register(reg);
        if (!registered) logger.info({ id: reg.id }, 'registered in consul');
        else logger.warn({ id: reg.id }, 'consul had lost this instance; registered again');
        registered = true;
      }
    } catch (err) {
      logger.warn({ err: String(err), id: reg.id }, 'consul unreachable; will retry');
    }
    if (!stopped) timer = setTimeout(tick, registered ? intervalMs : 1_000);
  };

  const first = tick();
  return {
    /** Resolves after the first registration attempt (successful or not). */
    ready: first,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Leadership through a Consul session lock on one KV key: at most one holder
 * in the whole mesh at a time. The session lapses after `ttl` without renewal
 * (a crashed holder), which frees the key for another contender.
 */
export class LeaderLock {
  private session: string | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private held = false;
  private confirmedAt = 0;

  constructor(
    private readonly consul: ConsulEndpoint,
    private readonly key: string,
    private readonly name: string,
    private readonly ttlSeconds = 10,
  ) {}

  get isLeader(): boolean {
    return this.held;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await consulRequest(this.consul, method, path, body);
    if (!res.ok) throw new Error(`consul ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  /**
   * Tries once to become (or stay) leader; true if this process holds the key
   * now. A holder asks Consul again only every third of the TTL: an acquire is
   * a Raft write, too slow for every call, and the session renewals keep the
   * key meanwhile.
   */
  async tryAcquire(): Promise<boolean> {
    if (this.held && Date.now() - this.confirmedAt < (this.ttlSeconds * 1000) / 3) return true;
    try {
      if (!this.session) {
        const { ID } = (await this.call('PUT', '/v1/session/create', {
          Name: this.name,
          TTL: `${this.ttlSeconds}s`,
          Behavior: 'delete',
          LockDelay: '0s',
        })) as { ID: string };
        this.session = ID;
        this.renewTimer = setInterval(() => void this.renew(), (this.ttlSeconds * 1000) / 3);
      }
      this.held = (await this.call('PUT', `/v1/kv/${this.key}?acquire=${this.session}`, this.name)) === true;
      if (this.held) this.confirmedAt = Date.now();
    } catch {
      this.held = false;
    }
    return this.held;
  }

  private async renew(): Promise<void> {
    if (!this.session) return;
    try {
      await this.call('PUT', `/v1/session/renew/${this.session}`);
    } catch {
      // The session is gone (expired, or Consul lost it): start over on the next acquire.
      this.held = false;
      this.session = undefined;
      clearInterval(this.renewTimer);
    }
  }

  /** Gives the key up at once (graceful shutdown), instead of letting it lapse. */
  async release(): Promise<void> {
    clearInterval(this.renewTimer);
    const session = this.session;
    this.session = undefined;
    this.held = false;
    if (session) await this.call('PUT', `/v1/session/destroy/${session}`).catch(() => undefined);
  }
}
