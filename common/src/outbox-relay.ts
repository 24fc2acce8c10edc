import type { LeaderLock } from './consul.js';
import { MessageRejectedError, type EventPublisher, type OutgoingMessage } from './kafka.js';
import type { Logger } from './logger.js';
import { InFlightEntries } from './outbox-inflight.js';
import type { OutboxEntry, OutboxStorage } from './outbox.js';

/** Entries committed longer ago than this may have lost the writes their request meant to make after the commit. */
const REPAIR_AFTER_MS = 5_000;
/** Most entries read, and published, at once. */
const BATCH = 500;
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/** Leadership as the relay needs it: a LeaderLock, in production. */
export type Leadership = Pick<LeaderLock, 'tryAcquire' | 'release'>;

export interface OutboxRelayOptions<Entry extends OutboxEntry> {
  storage: OutboxStorage<Entry>;
  publisher: EventPublisher;
  /** Only the holder publishes: one relay per outbox in the whole mesh, so it is the only writer of outcomes. */
  lock: Leadership;
  /** Where every entry goes; from mesh.json (`topicFor`), never a literal. */
  topic: string;
  logger: Logger;
  /** How often to look for entries nobody nudged it about (other instances' commits, retries). */
  pollMs: number;
  /**
   * For a producer whose commit is followed by writes of its own (a
   * projection the API reads): brings those in line with an entry committed
   * long enough ago that its request may have died in between. Idempotent;
   * called once per entry and relay, before the entry is published.
   */
  repair?: (entry: Entry) => Promise<void>;
}

/**
 * Publishes an outbox's entries to their topic in commit order per key, then
 * records each outcome in the outbox's storage. While Kafka is away entries
 * stay pending and the relay backs off; they go out, in order, once it is
 * back. At least once: a relay that dies between publishing and recording
 * leaves entries pending, and they go out again, which consumers recognise by
 * the event id (the `event-id` header).
 */
export class OutboxRelay<Entry extends OutboxEntry> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private backoffMs = 0;
  private readonly inFlight = new InFlightEntries();
  /** Repaired by this relay: once per entry, not again on every retry while Kafka is away. */
  private readonly repaired = new Set<string>();
  /** Outcomes are written behind the next publish instead of in front of it. */
  private recording: Promise<void> = Promise.resolve();

  constructor(private readonly options: OutboxRelayOptions<Entry>) {}

  start(): void {
    this.schedule(0);
  }

  /**
   * A change was just committed here: publish it now rather than at the next
   * poll, unless publishing is failing: then the backoff stands, or every
   * commit would start another full retry while Kafka is away.
   */
  nudge(): void {
    if (this.backoffMs > 0) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.recording;
    await this.options.lock.release();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        const next = this.again && this.backoffMs === 0 ? 0 : Math.max(this.backoffMs, this.options.pollMs);
        this.again = false;
        this.schedule(next);
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    try {
      // Drain: keep going while full batches come back, and while the lock is
      // still ours. A long drain can outlast the Consul session, and another
      // relay may lead by then, so leadership is asked before every batch, not
      // once per tick (a LeaderLock answers from its cache for a third of the
      // TTL, so this costs nothing most of the time).
      while (!this.stopped && (await this.options.lock.tryAcquire()) && (await this.publishBatch()) === BATCH);
      this.backoffMs = 0;
    } catch (err) {
      this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.backoffMs * 2));
      this.options.logger.warn(
        { err: err instanceof Error ? err.message : String(err), retryInMs: this.backoffMs },
        'relay could not publish; entries stay pending',
      );
    }
  }

  /** One read of pending entries, published; returns how many the read found (a full batch: more may wait). */
  private async publishBatch(): Promise<number> {
    let { found, entries } = await this.readPending();
    if (entries.length === 0 && found.length === BATCH) {
      // A full read of nothing but the last batch, still pending in storage
      // because its outcomes are written in the background: more may wait
      // behind it. Once they are written, a read shows what lies beyond;
      // ending the drain here would leave a backlog at one batch per poll.
      await this.recording;
      ({ found, entries } = await this.readPending());
    }
    if (entries.length === 0) return 0;
    try {
      await this.repairOld(entries);
      await this.options.publisher.publish(entries.map((e) => this.message(e)));
    } catch (err) {
      if (!(err instanceof MessageRejectedError)) {
        this.inFlight.released(entries.map((e) => e.id));
        throw err;
      }
      await this.publishOneByOne(entries);
      return found.length;
    }
    this.record(entries, []);
    return found.length;
  }

  /** Up to a batch of pending entries (`found`), and those of them no earlier batch holds, now taken up (`entries`). */
  private async readPending(): Promise<{ found: Entry[]; entries: Entry[] }> {
    this.inFlight.readBegins();
    const found = await this.options.storage.pending(BATCH);
    return { found, entries: this.inFlight.claim(found) };
  }

  /** A batch was refused for what is in it: publishes its entries one at a time, in order, to set aside only those refused. */
  private async publishOneByOne(entries: Entry[]): Promise<void> {
    const published: Entry[] = [];
    const failed: Array<{ entry: Entry; reason: string }> = [];
    for (const [i, entry] of entries.entries()) {
      try {
        await this.options.publisher.publish([this.message(entry)]);
        published.push(entry);
      } catch (err) {
        if (!(err instanceof MessageRejectedError)) {
          this.record(published, failed);
          this.inFlight.released(entries.slice(i).map((e) => e.id));
          throw err;
        }
        failed.push({ entry, reason: err.message });
      }
    }
    this.record(published, failed);
  }

  private async repairOld(entries: Entry[]): Promise<void> {
    const { repair } = this.options;
    if (!repair) return;
    const now = Date.now();
    for (const entry of entries) {
      if (now - entry.committedAt.getTime() <= REPAIR_AFTER_MS || this.repaired.has(entry.id)) continue;
      await repair(entry);
      this.repaired.add(entry.id);
    }
  }

  private message(entry: Entry): OutgoingMessage {
    return {
      topic: this.options.topic,
      key: entry.key,
      value: entry.event,
      headers: { 'event-id': entry.event.id, 'event-type': entry.event.type },
    };
  }

  private record(published: Entry[], failed: Array<{ entry: Entry; reason: string }>): void {
    const ids = [...published, ...failed.map((f) => f.entry)].map((e) => e.id);
    if (ids.length === 0) return;
    this.inFlight.settled(ids);
    // Each write is a link of one chain, so outcomes are written in the order
    // they came. A link must never reject: every later `then` would skip its
    // write (leaving its entries in flight for good) and the rejection would
    // go unhandled. So the failure of a write, whatever it is, ends there.
    this.recording = this.recording
      .then(() => this.write(ids, published, failed))
      .catch((err: unknown) => this.writeFailed(err));
    for (const { entry, reason } of failed) {
      this.options.logger.error(
        { id: entry.id, key: entry.key, reason },
        'outbox entry refused for good; kept as failed',
      );
    }
  }

  private async write(ids: string[], published: Entry[], failed: Array<{ entry: Entry; reason: string }>) {
    const { storage } = this.options;
    const at = new Date();
    try {
      if (published.length > 0)
        await storage.markPublished(
          published.map((e) => e.id),
          at,
        );
      for (const { entry, reason } of failed) await storage.markFailed(entry.id, reason, at);
    } finally {
      this.inFlight.recorded(ids);
      for (const id of ids) this.repaired.delete(id);
    }
  }

  /** What a write did not record is still pending in storage, so read and published again: a duplicate consumers recognise, never a loss. */
  private writeFailed(err: unknown): void {
    try {
      this.options.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'could not record outcomes of published entries; they stay pending',
      );
    } catch {
      // Not even logged (the log's destination failed too). Nothing is lost
      // for it, and throwing here would poison the chain after all.
    }
  }
}
