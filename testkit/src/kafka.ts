// The posts topic as a suite sees it: where it ends, a tap that collects what
// arrives from a given end on, and a plain read of a range with kcat. Every
// event is checked against the shared envelope schema on the way in.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { POSTS_TOPIC, postEvent, type PostEvent } from '@feedmesh/common';
import { eventually, sleep } from './eventually.js';
import { stack, stackKafka } from './stack.js';

const run = promisify(execFile);

const kafka = () => stackKafka('testkit');

export type TopicEnd = Array<{ partition: number; offset: string }>;

/** Where each partition of the posts topic ends now. */
export async function postEventsEnd(): Promise<TopicEnd> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(POSTS_TOPIC)).map(({ partition, offset }) => ({ partition, offset }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Collects the posts topic from `from` (where it ends now, by default):
 * start it before the action, then wait for the events the action should publish.
 */
export async function tapPostEvents(from?: TopicEnd) {
  const offsets = from ?? (await postEventsEnd());

  const seen: PostEvent[] = [];
  const consumer = kafka().consumer({ groupId: `testkit-${process.pid}-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: POSTS_TOPIC });
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(postEvent.parse(JSON.parse(String(message.value))));
    },
  });
  // `run` can resolve before the group is joined, and seeking before that throws: retry briefly.
  for (const { partition, offset } of offsets) {
    await eventually(
      async () => {
        consumer.seek({ topic: POSTS_TOPIC, partition, offset });
        return true;
      },
      10_000,
      100,
      `seeking partition ${partition}`,
    );
  }

  const matching = (match: (e: PostEvent) => boolean) => seen.filter(match);
  return {
    /**
     * Resolves with the events for which `match` holds once there are `count`
     * of them (and a moment more, to catch duplicates).
     */
    async waitFor(match: (e: PostEvent) => boolean, count: number, timeoutMs = 30_000): Promise<PostEvent[]> {
      await eventually(async () => matching(match).length >= count, timeoutMs, 50).catch(() => {
        throw new Error(`only ${matching(match).length} of ${count} events arrived`);
      });
      await sleep(1_000);
      return matching(match);
    },
    close: () => consumer.disconnect(),
  };
}

/** An event as read off the topic, with the time Kafka stamped it (its producer's send, in ms). */
export interface TopicEvent {
  event: PostEvent;
  publishedAt: number;
}

/**
 * Every event between two ends of the posts topic, read with kcat partition by
 * partition (no consumer group), as the admin (its settings from a file).
 */
export async function postEventsBetween(from: TopicEnd, to: TopicEnd): Promise<TopicEvent[]> {
  const events: TopicEvent[] = [];
  for (const { partition, offset } of to) {
    const start = Number(from.find((f) => f.partition === partition)?.offset ?? 0);
    const count = Number(offset) - start;
    if (count <= 0) continue;
    const range = ['-p', String(partition), '-o', String(start), '-c', String(count)];
    const { stdout } = await run(
      'kcat',
      [
        '-F',
        stack.kafkaAdminKcatConfig,
        '-C',
        '-b',
        stack.kafkaBrokers,
        '-t',
        POSTS_TOPIC,
        ...range,
        '-e',
        '-q',
        '-f',
        '%T %s\\n',
      ],
      { maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
    );
    for (const line of stdout.split('\n')) {
      if (!line) continue;
      const space = line.indexOf(' ');
      events.push({
        publishedAt: Number(line.slice(0, space)),
        event: postEvent.parse(JSON.parse(line.slice(space + 1))),
      });
    }
  }
  return events;
}
