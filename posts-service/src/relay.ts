import { POSTS_TOPIC, type EventPublisher, type LeaderLock, type Logger } from '@feedmesh/common';
import type { PostStore } from './store.js';

/** Events committed longer ago than this may have lost their projection write (a crash); the relay redoes it. */
const REPAIR_AFTER_MS = 5_000;
const BATCH = 500;
const MAX_BACKOFF_MS = 5_000;
const MARK_CONCURRENCY = 16;

/**
 * Publishes committed events to Kafka in commit order per post, then marks
 * them sent. One relay in the mesh is active at a time (a Consul lock), so it
 * is the only writer of event documents. If Kafka is away, events wait in
 * MongoDB and go out, in order, once it is back; a crash between publishing
 * and marking only repeats events, which consumers recognise by their id.
 */
export class Relay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private backoffMs = 0;
  /** Published, but `pending` not yet cleared (or cleared after the last query began): not to be published again meanwhile. */
  private readonly marking = new Set<string>();
  /**
   * Marked since the last query for pending events began. That query may have
   * read them while they were still pending, so they leave `marking` only
   * when the next query starts, which sees them cleared.
   */
  private readonly marked = new Set<string>();
  /** Projections redone by this relay: once per event, not again on every retry while Kafka is away. */
  private readonly repaired = new Set<string>();
  private marks: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      store: PostStore;
      publisher: EventPublisher;
      lock: LeaderLock;
      logger: Logger;
      pollMs: number;
    },
  ) {}

  start(): void {
    this.schedule(0);
  }

  /**
   * A change was just committed here: publish it now rather than at the next
   * poll, unless publishing is failing: then the backoff stands, or every
   * write would start another full retry while Kafka is away.
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
    await this.marks;
    await this.deps.lock.release();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        const next = this.again && this.backoffMs === 0 ? 0 : Math.max(this.backoffMs, this.deps.pollMs);
        this.again = false;
        this.schedule(next);
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    if (!(await this.deps.lock.tryAcquire())) return;
    try {
      // Drain: keep going while full batches come back.
      while (!this.stopped && (await this.publishBatch()) === BATCH);
      this.backoffMs = 0;
    } catch (err) {
      this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(100, this.backoffMs * 2));
      this.deps.logger.warn(
        { err: err instanceof Error ? err.message : String(err), retryInMs: this.backoffMs },
        'relay could not publish; events stay pending',
      );
    }
  }

  private async publishBatch(): Promise<number> {
    const { store, publisher } = this.deps;
    for (const id of this.marked) this.marking.delete(id);
    this.marked.clear();
    // Ids are "<post id>:<zero-padded version>", so this order is commit order within each post.
    const found = await store.events.find({ pending: true }).sort({ _id: 1 }).limit(BATCH).toArray();
    const pending = found.filter((doc) => !this.marking.has(doc._id));
    if (pending.length === 0) return 0;

    const now = Date.now();
    for (const doc of pending) {
      if (now - doc.committed_at.getTime() <= REPAIR_AFTER_MS || this.repaired.has(doc._id)) continue;
      await store.repair(doc);
      this.repaired.add(doc._id);
    }
    await publisher.publish(
      pending.map((doc) => ({
        topic: POSTS_TOPIC,
        key: doc.post_id,
        value: doc.event,
        headers: { 'event-id': doc.event.id, 'event-type': doc.event.type },
      })),
    );
    // Clearing `pending` happens behind the next publish instead of in front of it;
    // until it is done, these ids are skipped.
    const ids = pending.map((doc) => doc._id);
    for (const id of ids) this.marking.add(id);
    this.marks = this.marks.then(() => this.markPublished(ids));
    return found.length;
  }

  private async markPublished(ids: string[]): Promise<void> {
    const publishedAt = new Date();
    try {
      // Each event document has one writer, the relay, so marking them in parallel loses nothing.
      for (let i = 0; i < ids.length; i += MARK_CONCURRENCY) {
        await Promise.all(
          ids
            .slice(i, i + MARK_CONCURRENCY)
            .map((_id) =>
              this.deps.store.events.updateOne(
                { _id },
                { $unset: { pending: '' }, $set: { published_at: publishedAt } },
              ),
            ),
        );
      }
    } catch (err) {
      // Left pending, they will be published again: a duplicate consumers recognise, never a loss.
      this.deps.logger.warn({ err: String(err) }, 'could not mark published events');
    } finally {
      for (const id of ids) {
        this.marked.add(id);
        this.repaired.delete(id);
      }
    }
  }
}
