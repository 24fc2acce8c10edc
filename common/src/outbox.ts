/**
 * The transactional outbox, apart from where it is kept.
 *
 * A producer commits each change together with an entry describing it (one
 * insert, or one transaction), so a change is never acknowledged without its
 * event. An `OutboxRelay` then publishes the entries and records how that
 * went. A producer supplies only its storage: this interface.
 *
 * An entry is in one of three states, and only `pending` has a way out:
 *
 *     pending ──▶ published          on the topic, acknowledged by every in-sync replica
 *        └──────▶ failed (reason)    refused for what it is; publishing it again cannot succeed
 *
 * Kafka being away is not a failure of an entry: it stays pending, and the
 * relay tries again later.
 */

/** What every event carries, whatever its family: the id consumers drop repeats by, and its type. */
export interface OutboxEvent {
  id: string;
  type: string;
}

/** One committed change waiting in (or recorded by) the outbox. */
export interface OutboxEntry<E extends OutboxEvent = OutboxEvent> {
  /** Unique within the outbox. */
  id: string;
  /** The message key: it picks the partition, so one key's entries reach consumers in commit order. */
  key: string;
  event: E;
  committedAt: Date;
}

/**
 * Where a producer keeps its entries. Each method may be called again for
 * the same entries (a relay that restarts, or takes over from another), so
 * each must be idempotent, and none may move an entry out of `published`
 * or `failed`.
 */
export interface OutboxStorage<Entry extends OutboxEntry = OutboxEntry> {
  /**
   * Up to `limit` pending entries, in commit order within each key. A full
   * answer means more may be waiting; its cost must not grow with how many.
   */
  pending(limit: number): Promise<Entry[]>;
  /**
   * Records that these entries are on the topic. How is the storage's
   * choice (a flag, a batched statement, a delete): it only has to stop
   * returning them from `pending`.
   */
  markPublished(ids: readonly string[], at: Date): Promise<void>;
  /** Records that an entry can never be published, and why; it is kept, and no longer returned from `pending`. */
  markFailed(id: string, reason: string, at: Date): Promise<void>;
}
