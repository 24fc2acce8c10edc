import { POSTS_TOPIC, postEvent, type EventPublisher, type Logger, type PostEvent } from '@feedmesh/common';
import type { Consumer, Kafka } from 'kafkajs';
import type { FeedStore } from './feeds.js';

/** The event a message carries, or why it carries none (in words, for the dead-letter header). */
function decode(value: Buffer | null): { event?: PostEvent; reason?: string } {
  if (!value) return { reason: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return { reason: 'not JSON' };
  }
  const parsed = postEvent.safeParse(json);
  if (!parsed.success)
    return { reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ') };
  return { event: parsed.data };
}

/**
 * Feeds Redis from `posts-events`. A message's offset is committed only after
 * its event is in Redis (kafkajs commits what `eachMessage` has resolved); a
 * Redis failure rejects, so the message is retried, never skipped. A message
 * that can never be applied goes to the dead-letter topic with its reason,
 * and the partition moves on.
 */
export class FeedConsumer {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly deps: {
      store: FeedStore;
      deadLetters: EventPublisher;
      logger: Logger;
      groupId: string;
      topic?: string;
    },
  ) {
    this.consumer = kafka.consumer({
      groupId: deps.groupId,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
    });
  }

  async start(fromBeginning = true): Promise<void> {
    const { store, deadLetters, logger } = this.deps;
    const topic = this.deps.topic ?? POSTS_TOPIC;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning });
    await this.consumer.run({
      // Partitions are independent (order matters only within a post, hence a partition).
      partitionsConsumedConcurrently: 3,
      // Commit what is already in Redis at most twice a second, not in front of every fetch.
      autoCommitInterval: 500,
      eachMessage: async ({ message, partition }) => {
        const { event, reason } = decode(message.value);
        if (!event) {
          logger.warn({ partition, offset: message.offset, reason }, 'dead-lettering an event that cannot be applied');
          await deadLetters.publish([
            {
              topic: `${topic}.dlq`,
              key: message.key?.toString() ?? '',
              value: message.value?.toString('utf8') ?? '',
              headers: {
                reason: String(reason),
                'source-partition': String(partition),
                'source-offset': message.offset,
              },
            },
          ]);
          await store.countDeadLettered();
          return;
        }
        await store.apply(event);
      },
    });
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}
