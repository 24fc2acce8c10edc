/**
 * The transactional outbox, apart from where it is kept.
 *
 * A producer commits each change together with an entry describing it (one
 * atomic write), so a change is never acknowledged without its event. The
 * process that committed an entry publishes it at once (`OutboxPublisher`);
 * nothing is written per entry after that. The log of entries is read only
 * to recover what a process had committed and not yet published when it
 * died, or what was still waiting when it restarted.
 *
 * How recovery knows where to start: each process writes a checkpoint about
 * once a second, "everything I committed before T is on the topic", with a
 * heartbeat. On start a process first publishes what its predecessor (same
 * instance id) left after its checkpoint; the leader publishes what a dead
 * instance (heartbeat gone stale) left after its checkpoint, then removes it.
 * Recovered entries may already be on the topic: at least once, and
 * consumers drop repeats by the event id.
 *
 * Kafka being away is not a failure of an entry: the process holds it and
 * tries again. Only a message Kafka refuses for what it is is recorded as
 * failed, with the reason (`markFailed`).
 */

/** What every event carries, whatever its family: the id consumers drop repeats by, and its type. */
export interface OutboxEvent {
  id: string;
  type: string;
}

/** One committed change. */
export interface OutboxEntry<E extends OutboxEvent = OutboxEvent> {
  /** Unique within the outbox. */
  id: string;
  /** The message key: it picks the partition, so one key's entries reach consumers in commit order. */
  key: string;
  event: E;
  committedAt: Date;
}

/** How far one instance's commits are known to be published. */
export interface OutboxCheckpoint {
  instance: string;
  /** Every entry the instance committed before this is on the topic, or refused for good. */
  publishedBefore: Date;
  /** When the instance last wrote it; an instance whose heartbeat is stale is dead. */
  heartbeat: Date;
}

/**
 * Where a producer keeps its entries and checkpoints. Every method may be
 * called again for the same entries (a recovery that restarts), so each must
 * be idempotent.
 */
export interface OutboxLog<Entry extends OutboxEntry = OutboxEntry> {
  /**
   * The entries `instance` committed in [from, to), not marked failed, in
   * chunks in commit-time order and, within a chunk, in commit order per key.
   * The cost of a chunk must not grow with the size of the whole log.
   */
  committed(instance: string, from: Date, to: Date): AsyncIterable<Entry[]>;
  /** Records that an entry can never be published, and why; recovery passes over it. */
  markFailed(id: string, reason: string, at: Date): Promise<void>;
  checkpoints(): Promise<OutboxCheckpoint[]>;
  /** Written only by the instance it names (or removed by the leader once that instance is dead). */
  saveCheckpoint(checkpoint: OutboxCheckpoint): Promise<void>;
  /** Removes this checkpoint of its instance if it is still the one stored (same heartbeat); a newer one stays. */
  removeCheckpoint(checkpoint: OutboxCheckpoint): Promise<void>;
  /**
   * Removes the entries committed before `before`, those marked failed
   * excepted; resolves with how many went. Only for a log whose entries serve
   * recovery alone (a log that also decides what commits, like posts-service's
   * events, keeps them and leaves this out).
   */
  prune?(before: Date): Promise<number>;
}
