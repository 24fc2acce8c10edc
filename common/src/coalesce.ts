/** One caller's part of a merged call: its events, and where its own share of the results goes. */
interface Waiting<E, R> {
  events: E[];
  resolve: (results: R[] | void) => void;
  reject: (err: unknown) => void;
}

export interface CoalesceOptions {
  /** Least time between the starts of two calls: what arrives meanwhile waits and goes with the next. */
  lingerMs: number;
  /** Most events in one call; callers are never split, so a single larger caller still goes alone. */
  maxEvents: number;
}

/**
 * Merges the calls several callers make of one batch function into as few
 * calls as possible, each caller getting back its own slice of the results
 * (or the call's rejection). The consumer's partitions come from one fetch
 * together and each has a batch of a few events; their store calls cost
 * nearly all per call, so one call for all of them is what makes the
 * consumer's cost follow the fetches rather than the partitions.
 *
 * Calls never overlap, and each caller's events stay in its order, so what
 * one caller needs applied in order still is. A merged call that fails is
 * made again caller by caller, so one caller's failing events hold up only
 * that caller (the handler is idempotent: applying the others twice is
 * harmless). A call starts `lingerMs` after
 * the previous one started, or on the next turn of the event loop when that
 * is already past: callers that arrive together always go together.
 */
export class Coalescer<E, R> {
  private waiting: Array<Waiting<E, R>> = [];
  private scheduled = false;
  private running = false;
  private lastStart = -Infinity;

  constructor(
    private readonly call: (events: E[]) => Promise<R[] | void>,
    private readonly options: CoalesceOptions,
  ) {}

  /** Resolves to this caller's results, in the order of its events, once the call that carried them did. */
  submit(events: E[]): Promise<R[] | void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ events, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.waiting.length === 0) return;
    this.scheduled = true;
    const wait = this.lastStart + this.options.lingerMs - Date.now();
    const go = () => {
      this.scheduled = false;
      void this.run();
    };
    // Past the linger: after what else this turn of the event loop brings (the rest of a fetch's batches).
    if (wait > 0) setTimeout(go, wait);
    else setImmediate(go);
  }

  private async run(): Promise<void> {
    this.running = true;
    this.lastStart = Date.now();
    try {
      while (this.waiting.length > 0) await this.callOnce(this.take());
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  /** The next callers whose events fit in one call (at least one caller). */
  private take(): Array<Waiting<E, R>> {
    let count = this.waiting[0]!.events.length;
    let n = 1;
    while (n < this.waiting.length && count + this.waiting[n]!.events.length <= this.options.maxEvents) {
      count += this.waiting[n]!.events.length;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  private async callOnce(callers: Array<Waiting<E, R>>): Promise<void> {
    let results: R[] | void;
    try {
      results = await this.call(callers.flatMap((c) => c.events));
    } catch (err) {
      // One caller's events may be what failed: each alone again, so the others' partitions go on.
      if (callers.length > 1) for (const c of callers) await this.callOnce([c]);
      else callers[0]!.reject(err);
      return;
    }
    let at = 0;
    for (const c of callers) {
      c.resolve(results?.slice(at, at + c.events.length));
      at += c.events.length;
    }
  }
}
