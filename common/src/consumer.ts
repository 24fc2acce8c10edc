import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import { Coalescer } from './coalesce.js';
import type { EventPublisher } from './kafka.js';
import type { Logger } from './logger.js';
import type { TopicManifest } from './manifest.js';

/**
 * A topic a subscription reads, and where what it can never apply goes: an
 * entry of mesh.json (`topicFor`), whose `deadLetter` is used as declared,
 * never derived from the name.
 */
export type SubscribedTopic = Pick<TopicManifest, 'deadLetter' | 'partitions'> & { name: string };

/**
 * Applies one or more events of one partition, in the order given (offset
 * order), so that a fetched batch costs one call to the store rather than one
 * per event: consecutive events whose types share a handler come in one call.
 * Delivery is at least once (a crash between the effect and the commit, an
 * outbox publishing twice), so a handler must be idempotent; it may resolve
 * to one result per event, `false` for an event that changed nothing (a
 * repeat or a stale version), which the consumer reports in one place. A
 * rejection means "try again": the events are retried, never skipped.
 */
export type EventHandler<E> = (events: E[]) => Promise<Array<boolean | void> | void>;

/** One handler per event type of a schema: adding a type to the schema without its handler does not compile. */
type HandlersByType<E extends { type: string }> = { [T in E['type']]: EventHandler<Extract<E, { type: T }>> };

/** A message's event and the handler of its type, or why it has none (the dead-letter reason). */
type Routed = { event: unknown; handler: EventHandler<unknown>; type: string } | { reason: string };

/** One entry of a consumer's table, its event type erased: what `subscription()` returns. */
export interface Subscription {
  readonly topic: SubscribedTopic;
  route(value: Buffer | null): Routed;
}

const describeIssues = (issues: z.core.$ZodIssue[]) =>
  issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');

/**
 * One topic, the zod schema of its events (a union discriminated by `type`)
 * and the handler of each type. The schema is checked before any handler
 * runs, so a handler only ever sees a valid event of its own type.
 */
export function subscription<E extends { type: string }>(spec: {
  topic: SubscribedTopic;
  schema: z.ZodType<E>;
  handlers: HandlersByType<E>;
}): Subscription {
  // The table's types erased: the schema check below is what makes handlers[type] fit the event.
  const handlers = spec.handlers as unknown as Record<string, EventHandler<E>>;
  return {
    topic: spec.topic,
    route(value) {
      if (!value?.length) return { reason: 'empty message' };
      let json: unknown;
      try {
        json = JSON.parse(value.toString('utf8'));
      } catch {
        return { reason: 'not JSON' };
      }
      // Looked up before the schema, so that a type this consumer does not know (a
      // producer newer than it) is named as such rather than as a schema failure.
      const type = (json as { type?: unknown } | null)?.type;
      if (typeof type !== 'string') return { reason: 'type: missing or not a string' };
      const handler = Object.hasOwn(handlers, type) ? handlers[type] : undefined;
      if (!handler) return { reason: `type: unknown event type ${JSON.stringify(type)}` };
      const parsed = spec.schema.safeParse(json);
      if (!parsed.success) return { reason: describeIssues(parsed.error.issues) };
      return { type, event: parsed.data, handler: handler as EventHandler<unknown> };
    },
  };
}

/** A message that went to a dead-letter topic, as `onDeadLetter` sees it. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
}

export interface EventConsumerOptions {
  groupId: string;
  /** The table: one entry per topic, each listing its event types' handlers. */
  subscriptions: Subscription[];
  deadLetters: EventPublisher;
  logger: Logger;
  /** Runs after a message reached its dead-letter topic and before its offset may be committed (a counter, say). */
  onDeadLetter?: (letter: DeadLetter) => Promise<void>;
  /**
   * Least time between the starts of two calls of a handler. The broker answers a fetch as soon as one event is
   * there, and each fetch costs the broker and this process about the same whatever it carries (about 1 ms of
   * broker CPU here); kafkajs fetches again only once every batch of the last fetch is handled, so waiting this
   * long lets the next fetch carry what arrived meanwhile. It delays an event by at most this much, and only
   * while events keep coming.
   */
  lingerMs?: number;
}

/** Applied offsets wait this long for others to go with them: one commit for many batches. */
const COMMIT_INTERVAL_MS = 500;
/** At most this many events in one handler call, so a replay's large fetches stay bounded calls. */
const MAX_EVENTS_PER_CALL = 256;

type Offset = { topic: string; partition: number; offset: string };
type Group = { handler: EventHandler<unknown>; events: unknown[]; messages: KafkaMessage[]; types: string[] };

/**
 * Reads every topic of a table of subscriptions in one consumer group and
 * hands each message to its topic's entry. The guarantees live here, once:
 *
 * - An offset is committed only after its message was handled: each fetched
 *   batch of a partition is applied in order, one handler call for each run
 *   of events that share a handler, and only what a handler resolved moves
 *   the partition's position. A handler that rejects (its store away) has its
 *   events retried, after a backoff, never skipped. Commits go out at most
 *   every COMMIT_INTERVAL_MS, and once more when the consumer stops.
 * - A message that can never be applied (empty, not JSON, not the schema, a
 *   type with no handler) goes to its topic's dead-letter topic with the reason
 *   and its source in headers, and the partition moves on. Publishing it is
 *   part of handling it: if Kafka (or `onDeadLetter`) fails, the message is
 *   retried, so a dead letter too arrives at least once.
 * - One batch at a time per partition, applied in offset order, so the
 *   changes of one key (the partition key) are applied in order; every
 *   partition of every topic at once, the runs of one handler that a fetch
 *   brings for several partitions going to it in one call.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly byTopic = new Map<string, Subscription>();
  /** Applied and not yet committed: the next offset to read, by `topic|partition`. */
  private readonly uncommitted = new Map<string, Offset>();
  private commitTimer: ReturnType<typeof setTimeout> | undefined;
  private committing = false;
  private stopping = false;
  /**
   * Each handler's calls, merged across partitions: one fetch brings a batch of every partition that had
   * events, and their runs of one handler go to it in one call (see `Coalescer`).
   */
  private readonly calls = new Map<EventHandler<unknown>, Coalescer<unknown, boolean | void>>();

  constructor(
    kafka: Kafka,
    private readonly opts: EventConsumerOptions,
  ) {
    for (const s of opts.subscriptions) {
      // A second type on a topic is another handler in its entry; two entries would race for the same messages.
      if (this.byTopic.has(s.topic.name)) throw new Error(`two subscriptions for topic ${s.topic.name}`);
      this.byTopic.set(s.topic.name, s);
    }
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      // Retry for as long as it takes: giving up would mean skipping or crashing, and both lose the partition's order.
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
      // The broker answers a fetch as soon as one event is there (a post is applied within milliseconds of
      // being published) and holds an empty one for 5 s: an idle consumer asks about once per 5 s.
      minBytes: 1,
      maxWaitTimeInMs: 5_000,
    });
    // After a rebalance, offsets of partitions now read by another member are theirs to commit.
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [key, { topic, partition }] of this.uncommitted) {
        if (!payload.memberAssignment[topic]?.includes(partition)) this.uncommitted.delete(key);
      }
    });
  }

  async start(fromBeginning = true): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.byTopic.keys()], fromBeginning });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.opts.subscriptions.reduce((n, s) => n + s.topic.partitions, 0),
      // kafkajs's own commit follows every fetched batch: at a steady rate that is a commit per event.
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.applyBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    // While the consumer still runs (kafkajs takes commits only then); Kafka away must not hold the shutdown.
    await Promise.race([this.commit(), new Promise((r) => setTimeout(r, 3_000).unref())]);
    await this.consumer.disconnect();
  }

  /** `handler`'s calls go through its `Coalescer`: this partition's events with the others' that come with them. */
  private callOf(handler: EventHandler<unknown>): Coalescer<unknown, boolean | void> {
    let calls = this.calls.get(handler);
    if (!calls) {
      calls = new Coalescer(handler, { lingerMs: this.opts.lingerMs ?? 0, maxEvents: MAX_EVENTS_PER_CALL });
      this.calls.set(handler, calls);
    }
    return calls;
  }

  private async applyBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const entry = this.byTopic.get(topic);
    // kafkajs delivers only the topics subscribed, which are the table's.
    if (!entry) throw new Error(`no subscription for topic ${topic}`);
    const done = (offset: string) => {
      resolveOffset(offset);
      this.uncommitted.set(`${topic}|${partition}`, { topic, partition, offset: String(BigInt(offset) + 1n) });
    };
    let group: Group | undefined;
    const flush = async () => {
      if (!group) return;
      const { handler, events, messages, types } = group;
      group = undefined;
      const results = await this.callOf(handler).submit(events);
      results?.forEach((changed, i) => {
        if (changed !== false) return;
        this.opts.logger.debug(
          { topic, partition, offset: messages[i]?.offset, type: types[i] },
          'event changed nothing (repeated or stale)',
        );
      });
      done(messages[messages.length - 1]!.offset);
    };

    for (const message of batch.messages) {
      // Stopping, or the position moved (a rebalance, a seek): what is left comes again from there.
      if (!isRunning() || isStale()) return;
      const routed = entry.route(message.value);
      if ('handler' in routed) {
        if (group && (group.handler !== routed.handler || group.events.length >= MAX_EVENTS_PER_CALL)) await flush();
        group ??= { handler: routed.handler, events: [], messages: [], types: [] };
        group.events.push(routed.event);
        group.messages.push(message);
        group.types.push(routed.type);
        continue;
      }
      await flush();
      await this.deadLetter(entry, { topic, partition, message }, routed.reason);
      done(message.offset);
    }
    await flush();
    await heartbeat();
    this.scheduleCommit();
  }

  private scheduleCommit(): void {
    if (this.stopping || this.commitTimer || this.uncommitted.size === 0) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      void this.commit();
    }, COMMIT_INTERVAL_MS);
  }

  /** Commits what was applied; a failed commit is tried again with the next one (meanwhile it is only a repeat). */
  private async commit(): Promise<void> {
    if (this.committing || this.uncommitted.size === 0) return this.scheduleCommit();
    const offsets = [...this.uncommitted.values()];
    this.uncommitted.clear();
    this.committing = true;
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (err) {
      for (const o of offsets) {
        const key = `${o.topic}|${o.partition}`;
        if (!this.uncommitted.has(key)) this.uncommitted.set(key, o);
      }
      this.opts.logger.warn({ err: String(err) }, 'committing offsets failed; trying again with the next commit');
    } finally {
      this.committing = false;
    }
    this.scheduleCommit();
  }

  private async deadLetter(
    entry: Subscription,
    { topic, partition, message }: { topic: string; partition: number; message: KafkaMessage },
    reason: string,
  ): Promise<void> {
    this.opts.logger.warn({ topic, partition, offset: message.offset, reason }, 'dead-lettering an event');
    await this.opts.deadLetters.publish([
      {
        topic: entry.topic.deadLetter,
        key: message.key?.toString() ?? '',
        value: message.value?.toString('utf8') ?? '',
        headers: {
          reason,
          'source-topic': topic,
          'source-partition': String(partition),
          'source-offset': message.offset,
        },
      },
    ]);
    await this.opts.onDeadLetter?.({ topic, partition, offset: message.offset, reason });
  }
}
