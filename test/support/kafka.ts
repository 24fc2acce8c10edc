import { createKafka, POSTS_TOPIC, postEvent, type PostEvent } from '@feedmesh/common';
import { pino } from 'pino';
import { stack } from './stack.js';

/**
 * Reads `posts-events` from where it ends now: start it before the action,
 * then wait for the events the action should publish. Every event is checked
 * against the shared envelope schema on the way in.
 */
const kafka = () =>
  createKafka({ clientId: 'tests', brokers: stack.kafkaBrokers.split(','), logger: pino({ level: 'silent' }) });

export type TopicEnd = Array<{ partition: number; offset: string }>;

/** Where each partition of `posts-events` ends now. */
export async function postEventsEnd(): Promise<TopicEnd> {
  const admin = kafka().admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(POSTS_TOPIC);
  await admin.disconnect();
  return offsets.map(({ partition, offset }) => ({ partition, offset }));
}

export async function tapPostEvents(from?: TopicEnd) {
  const offsets = from ?? (await postEventsEnd());

  const seen: PostEvent[] = [];
  const consumer = kafka().consumer({ groupId: `tests-${process.pid}-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: POSTS_TOPIC });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(postEvent.parse(JSON.parse(String(message.value))));
    },
  });
  // `run` can resolve before the group is joined, and seeking before that throws: retry briefly.
  for (const { partition, offset } of offsets) {
    for (let attempt = 0; ; attempt++) {
      try {
        consumer.seek({ topic: POSTS_TOPIC, partition, offset });
        break;
      } catch (err) {
        if (attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  return {
    /** Resolves with the events for which `match` holds once there are `count` of them (and a moment more, to catch duplicates). */
    async waitFor(match: (e: PostEvent) => boolean, count: number, timeoutMs = 30_000): Promise<PostEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (seen.filter(match).length < count) {
        if (Date.now() > deadline) throw new Error(`only ${seen.filter(match).length} of ${count} events arrived`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1_000));
      return seen.filter(match);
    },
    close: () => consumer.disconnect(),
  };
}
