// An open-model load through the gateway: each stream fires at its own
// constant rate whether or not earlier requests came back, so a stalled
// backend shows up as failures and latency rather than as a slower client.
import { sleep } from '@feedmesh/testkit';
import type { Outcome } from './reconcile.js';

export interface Stream {
  kind: string;
  perSecond: number;
  /** One request; resolves to its status (the driver times it out and records the outcome). */
  fire: (signal: AbortSignal) => Promise<number>;
  /** The status this kind of request expects. */
  expect: number;
}

export interface LoadSummary {
  seconds: number;
  offered_per_s: number;
  achieved_per_s: number;
  sent: number;
}

/** How long a request of the load may take before it counts as a timeout. */
export const REQUEST_TIMEOUT_MS = 10_000;

export class Load {
  readonly outcomes: Outcome[] = [];
  private started = 0;
  private running = false;
  private readonly inflight = new Set<Promise<void>>();
  private loops: Array<Promise<void>> = [];

  constructor(private readonly streams: Stream[]) {}

  /** Milliseconds since the load started: the clock every outcome is stamped with. */
  now(): number {
    return performance.now() - this.started;
  }

  start(): void {
    this.started = performance.now();
    this.running = true;
    this.loops = this.streams.filter((s) => s.perSecond > 0).map((s) => this.loop(s));
  }

  private async loop(stream: Stream): Promise<void> {
    for (let i = 0; this.running; i++) {
      const wait = (i * 1000) / stream.perSecond - this.now();
      if (wait > 0) await sleep(wait);
      if (!this.running) break;
      const p = this.send(stream);
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  private async send(stream: Stream): Promise<void> {
    const at = this.now();
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    let status: Outcome['status'];
    try {
      status = await stream.fire(signal);
    } catch {
      status = signal.aborted ? 'timeout' : 'network';
    }
    this.outcomes.push({ kind: stream.kind, status, ok: status === stream.expect, at });
  }

  /** Stops sending, waits for what is in flight, and says what rate was held. */
  async stop(): Promise<LoadSummary> {
    this.running = false;
    const seconds = this.now() / 1000;
    await Promise.all(this.loops);
    await Promise.all([...this.inflight]);
    const offered = this.streams.reduce((n, s) => n + s.perSecond, 0);
    const answered = this.outcomes.filter((o) => typeof o.status === 'number').length;
    return {
      seconds: Math.round(seconds * 10) / 10,
      offered_per_s: offered,
      achieved_per_s: Math.round((answered / seconds) * 10) / 10,
      sent: this.outcomes.length,
    };
  }
}
