import { LeaderLock } from './consul.js';
import { MessageRejectedError, type EventPublisher, type OutgoingMessage } from './kafka.js';
import type { Logger } from './logger.js';
import type { OutboxCheckpoint, OutboxEntry, OutboxLog } from './outbox.js';

/** Most entries sent to Kafka in one request. */
const BATCH = 500;
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
/** A projection write that failed after its commit is redone only this long after the commit, when its request is surely over. */
const REPAIR_AFTER_MS = 5_000;
/**
 * How long a write may still land after it began (the producers' store clients time out sooner): past its last
 * heartbeat a dying instance may still have had commits landing for this long, and a write that threw is looked up
 * in the log only after it.
 */
export const COMMIT_SLACK_MS = 30_000;
/**
 * A log that can be pruned (`OutboxLog.prune`) keeps its entries this long
 * after every instance has published them: they are on the topic, and
 * recovery never reads below a checkpoint, but an hour of them is there to
 * look at when something went wrong.
 */
export const PRUNE_KEEP_MS = 3_600_000;
/** How often the leader prunes: a statement a minute, not a second. */
const PRUNE_EVERY_MS = 60_000;

/** Leadership as the publisher needs it: a LeaderLock, in production. */
export type Leadership = Pick<LeaderLock, 'tryAcquire' | 'release'>;

export interface OutboxPublisherOptions<Entry extends OutboxEntry> {
  log: OutboxLog<Entry>;
  publisher: EventPublisher;
  /** Where every entry goes; from mesh.json (`topicFor`), never a literal. */
  topic: string;
  /** This process, as its checkpoint names it: the same id after a restart, so the new process finishes the old one's work. */
  instance: string;
  /** Only the holder recovers dead instances' entries (anyone may, but one is enough). */
  lock: Leadership;
  logger: Logger;
  /** How often the checkpoint is written. */
  checkpointMs: number;
  /**
   * Least time between the starts of two Kafka requests. A request costs the
   * broker and the client far more than a message in it (measured: ~1.8 ms
   * of CPU for a one-message request, ~0.25 ms a message in tens), so under
   * load entries wait up to this long to go out together; after a quiet
   * spell the first goes at once.
   */
  lingerMs: number;
  /** An instance whose checkpoint is older than this is dead, and the leader recovers its entries. */
  deadAfterMs: number;
  /**
   * For a producer whose commit may be followed by writes of its own (a
   * projection the API reads): brings those in line with an entry whose
   * request may have died in between. Idempotent.
   */
  repair?: (entry: Entry) => Promise<void>;
}

/** A commit under way: its time holds the checkpoint back until it is published or known not to have happened. */
export interface PendingCommit {
  readonly committedAt: Date;
}

interface Queued<Entry> {
  commit: PendingCommit;
  entry: Entry;
  /** The producer's writes after the commit failed: repair before publishing. */
  repair: boolean;
}

/**
 * Publishes what this process commits to its outbox, as soon as it is
 * committed: one Kafka request carries whatever was committed while the
 * previous one was out or its linger ran (group commit). Per key the order is the
 * order of `committed` calls. Nothing is written per entry; a checkpoint a
 * second says how far this process's commits are published, and recovery
 * (see outbox.ts) reads the log past a checkpoint. While Kafka is away,
 * entries are held in memory and retried with backoff.
 */
export class OutboxPublisher<Entry extends OutboxEntry> {
  /** Every commit begun and not yet settled, oldest first (a Set keeps insertion order). */
  private readonly open = new Set<PendingCommit>();
  private readonly queue: Array<Queued<Entry>> = [];
  /** Commits whose outcome is unknown (the write threw): looked up in the log once surely over. */
  private readonly uncertain: PendingCommit[] = [];
  /** Where the previous process with this instance id left off, until its leftovers are out. */
  private predecessor: OutboxCheckpoint | undefined;
  private readonly started = new Date();
  private sending: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private housekeeping: Promise<void> | undefined;
  private backoffMs = 0;
  private lastSendAt = 0;
  private lastPruneAt = 0;
  /** The latest commit time or checkpoint this process gave out: times never go back below it. */
  private lastTime = 0;
  private stopped = false;

  constructor(private readonly options: OutboxPublisherOptions<Entry>) {}

  /** Reads the predecessor's checkpoint, then starts publishing and checkpointing. Its leftovers go out before anything new. */
  async start(): Promise<void> {
    const checkpoints = await this.options.log.checkpoints();
    this.predecessor = checkpoints.find((c) => c.instance === this.options.instance);
    this.timer = setInterval(() => this.tick(), this.options.checkpointMs);
    this.kick();
  }

  /** Call right before the write that commits: the checkpoint stays below this commit until it settles. */
  begin(): PendingCommit {
    // Never below an earlier commit or checkpoint of this process, even if the clock steps back.
    this.lastTime = Math.max(this.lastTime, Date.now());
    const commit = { committedAt: new Date(this.lastTime) };
    this.open.add(commit);
    return commit;
  }

  /** The commit landed: publish its entry. `repair`: the writes meant to follow it failed. */
  committed(commit: PendingCommit, entry: Entry, options: { repair?: boolean } = {}): void {
    this.queue.push({ commit, entry, repair: options.repair ?? false });
    this.kick();
  }

  /** The commit did not happen (refused: a conflict, a duplicate). */
  failed(commit: PendingCommit): void {
    this.open.delete(commit);
  }

  /** The write threw and may or may not have landed: the log will tell, once the write is surely over. */
  unknown(commit: PendingCommit): void {
    this.uncertain.push(commit);
  }

  /** The time before which every commit of this process has been published (or refused for good). */
  publishedBefore(): Date {
    if (this.predecessor) return this.predecessor.publishedBefore;
    const oldest = this.open.values().next();
    if (!oldest.done) return oldest.value.committedAt;
    this.lastTime = Math.max(this.lastTime, Date.now());
    return new Date(this.lastTime);
  }

  /** Entries committed and not yet published, here and now. */
  get backlog(): number {
    return this.queue.length;
  }

  /** Publishes what is held (until Kafka fails), writes a last checkpoint, gives up leadership. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.retry = undefined;
    await this.housekeeping;
    await this.sending;
    // One more go at what is held (a linger was pending), unless Kafka was failing: then the checkpoint keeps it.
    if (this.backoffMs === 0) this.kick();
    await this.sending;
    await this.saveCheckpoint().catch((err: unknown) => this.warn(err, 'could not write the last checkpoint'));
    await this.options.lock.release();
  }

  private kick(): void {
    if (this.sending || this.retry || (this.queue.length === 0 && !this.predecessor)) return;
    const wait = this.lastSendAt + this.options.lingerMs - Date.now();
    if (wait > 0 && !this.stopped) return this.kickIn(wait);
    this.lastSendAt = Date.now();
    this.sending = this.send().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0 && !this.stopped) this.kick();
    });
  }

  /** Publishes the predecessor's leftovers, then the queue, batch by batch; on failure, backs off and tries again. */
  private async send(): Promise<void> {
    try {
      if (this.predecessor) {
        await this.recover(this.predecessor, this.started);
        this.predecessor = undefined;
      }
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, BATCH);
        await this.repairFirst(batch);
        await this.publish(batch.map((q) => q.entry));
        this.queue.splice(0, batch.length);
        for (const { commit } of batch) this.open.delete(commit);
      }
      this.backoffMs = 0;
    } catch (err) {
      this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.backoffMs * 2));
      this.warn(err, 'could not publish; entries are held and tried again', { retryInMs: this.backoffMs });
      if (!this.stopped) this.kickIn(this.backoffMs);
    }
  }

  /** Sends later: after a linger, or a backoff. */
  private kickIn(ms: number): void {
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.kick();
    }, ms);
  }

  /** Entries whose projection write failed are repaired before they go out, once their request is surely over. */
  private async repairFirst(batch: Array<Queued<Entry>>): Promise<void> {
    const { repair } = this.options;
    if (!repair) return;
    for (const q of batch.filter((q) => q.repair)) {
      const wait = q.commit.committedAt.getTime() + REPAIR_AFTER_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await repair(q.entry);
      q.repair = false;
    }
  }

  /** Publishes entries in order; those Kafka refuses for what they are are recorded as failed, the others still go out. */
  private async publish(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.options.publisher.publish(entries.map((e) => this.message(e)));
    } catch (err) {
      if (!(err instanceof MessageRejectedError)) throw err;
      for (const entry of entries) await this.publishAlone(entry);
    }
  }

  private async publishAlone(entry: Entry): Promise<void> {
    try {
      await this.options.publisher.publish([this.message(entry)]);
    } catch (err) {
      if (!(err instanceof MessageRejectedError)) throw err;
      await this.options.log.markFailed(entry.id, err.message, new Date());
      this.options.logger.error(
        { id: entry.id, key: entry.key, reason: err.message },
        'outbox entry refused for good; kept as failed',
      );
    }
  }

  /** Publishes what `checkpoint`'s instance committed after it and before `until`, repairing each entry first. */
  private async recover(checkpoint: OutboxCheckpoint, until: Date): Promise<void> {
    let count = 0;
    for await (const chunk of this.options.log.committed(checkpoint.instance, checkpoint.publishedBefore, until)) {
      if (this.options.repair) for (const entry of chunk) await this.options.repair(entry);
      await this.publish(chunk);
      count += chunk.length;
    }
    if (count > 0)
      this.options.logger.info(
        { instance: checkpoint.instance, from: checkpoint.publishedBefore, until, count },
        'published entries recovered from the outbox log',
      );
  }

  private tick(): void {
    if (this.housekeeping || this.stopped) return;
    this.housekeeping = this.housekeep()
      .catch((err: unknown) => this.warn(err, 'outbox housekeeping failed; tried again next time'))
      .finally(() => {
        this.housekeeping = undefined;
      });
  }

  /** Settles uncertain commits, writes the checkpoint, and as leader recovers dead instances and prunes the log. */
  private async housekeep(): Promise<void> {
    // The heartbeat first, whatever else fails: a live instance must never look dead.
    await this.saveCheckpoint();
    await this.settleUncertain();
    if (!(await this.options.lock.tryAcquire())) return;
    const deadline = Date.now() - this.options.deadAfterMs;
    for (const checkpoint of await this.options.log.checkpoints()) {
      if (checkpoint.instance === this.options.instance || checkpoint.heartbeat.getTime() > deadline) continue;
      await this.recover(checkpoint, new Date(checkpoint.heartbeat.getTime() + COMMIT_SLACK_MS));
      // Only the checkpoint read: an instance that came back meanwhile has written a new one, which stays.
      await this.options.log.removeCheckpoint(checkpoint);
    }
    await this.prune();
  }

  /**
   * Below the lowest checkpoint every instance's entries are on the topic
   * (a dead one's were recovered before its checkpoint went), so the log
   * keeps them only PRUNE_KEEP_MS longer.
   */
  private async prune(): Promise<void> {
    const { log } = this.options;
    if (!log.prune || Date.now() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = Date.now();
    const lowest = Math.min(...(await log.checkpoints()).map((c) => c.publishedBefore.getTime()));
    if (!Number.isFinite(lowest)) return;
    const removed = await log.prune(new Date(lowest - PRUNE_KEEP_MS));
    if (removed > 0) this.options.logger.debug({ removed }, 'pruned published entries from the outbox log');
  }

  /**
   * A commit whose write threw: whatever of this process the log holds from
   * that moment goes out again, once the write surely cannot land any more.
   */
  private async settleUncertain(): Promise<void> {
    const due = this.uncertain.filter((c) => c.committedAt.getTime() + COMMIT_SLACK_MS < Date.now());
    for (const commit of due) {
      const at = commit.committedAt;
      await this.recover(
        { instance: this.options.instance, publishedBefore: at, heartbeat: at },
        new Date(at.getTime() + 1),
      );
      this.uncertain.splice(this.uncertain.indexOf(commit), 1);
      this.open.delete(commit);
    }
  }

  private saveCheckpoint(): Promise<void> {
    return this.options.log.saveCheckpoint({
      instance: this.options.instance,
      publishedBefore: this.publishedBefore(),
      heartbeat: new Date(),
    });
  }

  private message(entry: Entry): OutgoingMessage {
    return {
      topic: this.options.topic,
      key: entry.key,
      value: entry.event,
      headers: { 'event-id': entry.event.id, 'event-type': entry.event.type },
    };
  }

  private warn(err: unknown, message: string, extra: object = {}): void {
    this.options.logger.warn({ ...extra, err: err instanceof Error ? err.message : String(err) }, message);
  }
}

/** A service's outbox settings, as `outboxConfigShape` parses them. */
export interface OutboxConfig {
  CONSUL_URL: string;
  CONSUL_TOKEN?: string | undefined;
  OUTBOX_CHECKPOINT_MS: number;
  OUTBOX_LINGER_MS: number;
  OUTBOX_DEAD_AFTER_MS: number;
}

/**
 * The publisher of one service's outbox as every producer wires it: its
 * settings from the service's config, and recovery leadership under the
 * service's own Consul keys (`feedmesh/<service>/`, which its token may write).
 */
export function serviceOutbox<Entry extends OutboxEntry>(
  opts: Pick<OutboxPublisherOptions<Entry>, 'log' | 'publisher' | 'topic' | 'instance' | 'logger' | 'repair'> & {
    service: string;
    config: OutboxConfig;
  },
): OutboxPublisher<Entry> {
  const { service, config, ...rest } = opts;
  return new OutboxPublisher({
    ...rest,
    lock: new LeaderLock(
      { url: config.CONSUL_URL, token: config.CONSUL_TOKEN },
      `feedmesh/${service}/outbox-recovery`,
      opts.instance,
    ),
    logger: opts.logger.child({ component: 'outbox' }),
    checkpointMs: config.OUTBOX_CHECKPOINT_MS,
    lingerMs: config.OUTBOX_LINGER_MS,
    deadAfterMs: config.OUTBOX_DEAD_AFTER_MS,
  });
}
