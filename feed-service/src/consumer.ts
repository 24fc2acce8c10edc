import { EventConsumer, type EventPublisher, type Logger } from '@feedmesh/common';
import type { Kafka } from 'kafkajs';
import type { FeedStore } from './feeds.js';
import { feedSubscriptions, type FeedTopics } from './subscriptions.js';

/**
 * Feeds Redis from the table in `subscriptions.ts`. Offsets, retries and
 * dead letters are @feedmesh/common's `EventConsumer`; what is feed-specific
 * is the table and the dead-letter count on the stats route.
 */
export function feedConsumer(
  kafka: Kafka,
  deps: {
    store: FeedStore;
    topics: FeedTopics;
    deadLetters: EventPublisher;
    logger: Logger;
    groupId: string;
    lingerMs?: number;
  },
): EventConsumer {
  return new EventConsumer(kafka, {
    groupId: deps.groupId,
    lingerMs: deps.lingerMs,
    subscriptions: feedSubscriptions(deps.store, deps.topics),
    deadLetters: deps.deadLetters,
    logger: deps.logger,
    onDeadLetter: () => deps.store.countDeadLettered(),
  });
}
