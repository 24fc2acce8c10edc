// A topic as a suite sees it: where it ends, a tap that collects what
// arrives from a given end on, and a plain read of a range with kcat. Every
// event is checked against its family's shared envelope schema on the way in.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AUTH_TOPIC,
  authEvent,
  POSTS_TOPIC,
  postEvent,
  SOCIAL_TOPIC,
  socialEvent,
  type AuthEvent,
  type PostEvent,
  type SocialEvent,
} from '@feedmesh/common';
import { eventually, sleep } from './eventually.js';
import { stack, stackKafka } from './stack.js';

const run = promisify(execFile);

const kafka = () => stackKafka('testkit');

export type TopicEnd = Array<{ partition: number; offset: string }>;

/** Where each partition of a topic ends now. */
export async function topicEnd(topic: string): Promise<TopicEnd> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map(({ partition, offset }) => ({ partition, offset }));
  } finally {
    await admin.disconnect();
  }
}

/** Where each partition of the posts topic ends now. */
export const postEventsEnd = () => topicEnd(POSTS_TOPIC);

/** One event as the tap saw it: the message key and partition beside the event. */
export interface TappedEvent<E> {
  event: E;
  key: string;
  partition: number;
}

/**
 * Collects a topic from `from` (where it ends now, by default), each message
 * parsed with `parse` (its schema's): start it before the action, then wait for the events
 * the action should publish.
 */
export async function tapTopic<E>(topic: string, parse: (value: unknown) => E, from?: TopicEnd) {
  const offsets = from ?? (await topicEnd(topic));

  const seen: Array<TappedEvent<E>> = [];
  const consumer = kafka().consumer({ groupId: `testkit-${process.pid}-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const event = parse(JSON.parse(String(message.value)));
      seen.push({ event, key: String(message.key), partition });
    },
  });
  // `run` can resolve before the group is joined, and seeking before that throws: retry briefly.
  for (const { partition, offset } of offsets) {
    await eventually(
      async () => {
        consumer.seek({ topic, partition, offset });
        return true;
      },
      10_000,
      100,
      `seeking partition ${partition}`,
    );
  }

  const matching = (match: (e: E) => boolean) => seen.filter((t) => match(t.event));
  return {
    /**
     * Resolves with the messages whose event `match` holds for once there are
     * `count` of them (and a moment more, to catch duplicates).
     */
    async waitForMessages(match: (e: E) => boolean, count: number, timeoutMs = 30_000): Promise<Array<TappedEvent<E>>> {
      await eventually(async () => matching(match).length >= count, timeoutMs, 50).catch(() => {
        throw new Error(`only ${matching(match).length} of ${count} events arrived`);
      });
      await sleep(1_000);
      return matching(match);
    },
    /** `waitForMessages`, the events alone. */
    async waitFor(match: (e: E) => boolean, count: number, timeoutMs = 30_000): Promise<E[]> {
      return (await this.waitForMessages(match, count, timeoutMs)).map((t) => t.event);
    },
    /** Every event `match` holds for that has arrived so far, at once. */
    now: (match: (e: E) => boolean): E[] => matching(match).map((t) => t.event),
    close: () => consumer.disconnect(),
  };
}

/** The posts topic's tap (`tapTopic`). */
export const tapPostEvents = (from?: TopicEnd) => tapTopic<PostEvent>(POSTS_TOPIC, (v) => postEvent.parse(v), from);

/** The social topic's tap (`tapTopic`): follows and unfollows. */
export const tapSocialEvents = (from?: TopicEnd) =>
  tapTopic<SocialEvent>(SOCIAL_TOPIC, (v) => socialEvent.parse(v), from);

/** The auth topic's tap (`tapTopic`): revocations. */
export const tapAuthEvents = (from?: TopicEnd) => tapTopic<AuthEvent>(AUTH_TOPIC, (v) => authEvent.parse(v), from);

/** Where each partition of the social topic ends now. */
export const socialEventsEnd = () => topicEnd(SOCIAL_TOPIC);

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
