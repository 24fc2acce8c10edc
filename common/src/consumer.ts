import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import type { z } from 'zod';
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
 * Applies one event. Delivery is at least once (a crash between the effect
 * and the commit, an outbox publishing twice), so a handler must be
 * idempotent; it resolves to `false` when the event changed nothing (a repeat
 * or a stale version), which the consumer reports in one place. A rejection
 * means "try again": the message is retried, never skipped.
 */
export type EventHandler<E> = (event: E) => Promise<boolean | void>;

/** One handler per event type of a schema: adding a type to the schema without its handler does not compile. */
type HandlersByType<E extends { type: string }> = { [T in E['type']]: EventHandler<Extract<E, { type: T }>> };

/** A message's event bound to the handler of its type, or why it has none (the dead-letter reason). */
type Routed = { apply: () => Promise<boolean | void>; type: string } | { reason: string };

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
      const event = parsed.data;
      return { type, apply: () => handler(event) };
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
}

/**
 * Reads every topic of a table of subscriptions in one consumer group and
 * hands each message to its topic's entry. The guarantees live here, once:
 *
 * - An offset is committed only after its message was handled: kafkajs
 *   commits what `eachMessage` resolved, so a handler that rejects (its store
 *   away) has the message retried, after a backoff, never skipped.
 * - A message that can never be applied (empty, not JSON, not the schema, a
 *   type with no handler) goes to its topic's dead-letter topic with the reason
 *   and its source in headers, and the partition moves on. Publishing it is
 *   part of handling it: if Kafka (or `onDeadLetter`) fails, the message is
 *   retried, so a dead letter too arrives at least once.
 * - One message at a time per partition, so the changes of one key (the
 *   partition key) are applied in order; every partition of every topic at once.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly byTopic = new Map<string, Subscription>();

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
    });
  }

  async start(fromBeginning = true): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.byTopic.keys()], fromBeginning });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.opts.subscriptions.reduce((n, s) => n + s.topic.partitions, 0),
      // Commit what is already handled at most twice a second, not in front of every fetch.
      autoCommitInterval: 500,
      eachMessage: (payload) => this.handle(payload),
    });
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }

  private async handle({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const entry = this.byTopic.get(topic);
    // kafkajs delivers only the topics subscribed, which are the table's.
    if (!entry) throw new Error(`no subscription for topic ${topic}`);
    const routed = entry.route(message.value);
    if ('apply' in routed) {
      const changed = await routed.apply();
      if (changed === false) {
        this.opts.logger.debug(
          { topic, partition, offset: message.offset, type: routed.type },
          'event changed nothing (repeated or stale)',
        );
      }
      return;
    }
    const { reason } = routed;
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
