import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, stack } from '@feedmesh/testkit';
import { EventConsumer, subscription } from '../src/consumer.js';
import { createKafka, kafkaPublisher } from '../src/kafka.js';

// What the unit tests cannot show: that a handler's rejection, through kafkajs,
// leaves the offset uncommitted and the message retried, never skipped.
const logger = pino({ level: 'silent' });
// As the stack's admin: the test makes and removes topics of its own.
const kafka = createKafka({
  clientId: 'consumer-int-test',
  brokers: stack.kafkaBrokers.split(','),
  credentials: stack.kafkaAdmin,
  logger,
});
const topic = `test-consumer-${process.pid}-${Date.now()}`;
const deadLetter = `${topic}-dead`;
/** A topic of three partitions, whose batches of one fetch share a handler call. */
const spread = `${topic}-spread`;
const admin = kafka.admin();
const publisher = kafkaPublisher(kafka);

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      ...[topic, deadLetter].map((t) => ({ topic: t, numPartitions: 1, replicationFactor: 1 })),
      { topic: spread, numPartitions: 3, replicationFactor: 1 },
    ],
  });
});
afterAll(async () => {
  await admin.deleteTopics({ topics: [topic, deadLetter, spread] }).catch(() => undefined);
  await Promise.all([admin.disconnect(), publisher.close()]);
});

const counted = z.object({ type: z.literal('counted'), seq: z.number() });
const committed = async (groupId: string) =>
  Number((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset ?? -1);

describe('EventConsumer on Kafka', () => {
  it('retries a failing handler without committing past it or skipping it, then goes on in order', async () => {
    const groupId = `${topic}-group`;
    const handled: number[] = [];
    let attempts = 0;
    let storeUp = false;
    const consumer = () =>
      new EventConsumer(kafka, {
        groupId,
        logger,
        deadLetters: publisher,
        subscriptions: [
          subscription({
            topic: { name: topic, deadLetter, partitions: 1 },
            schema: counted,
            handlers: {
              // Idempotent, as handlers must be: events of a call that failed come again with it.
              counted: async (events) => {
                for (const { seq } of events) {
                  if (seq === 2 && !storeUp) {
                    attempts++;
                    throw new Error('store away');
                  }
                  if (!handled.includes(seq)) handled.push(seq);
                }
              },
            },
          }),
        ],
      });
    const send = (seqs: number[]) =>
      publisher.publish(seqs.map((seq) => ({ topic, key: 'one-key', value: { type: 'counted', seq } })));

    await send([0, 1, 2, 3, 4]);
    const first = consumer();
    await first.start();
    await eventually(async () => attempts >= 3, 30_000);
    // Longer than the commit interval: anything resolved would have been committed by now.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(handled).toEqual([0, 1]);
    expect(await committed(groupId)).toBeLessThanOrEqual(2);

    storeUp = true;
    await eventually(async () => handled.length === 5, 30_000);
    await eventually(async () => (await committed(groupId)) === 5, 10_000);
    await first.stop();

    // A new member of the group starts after what was committed: nothing again, nothing missed.
    await send([5]);
    const second = consumer();
    await second.start();
    await eventually(async () => handled.length >= 6, 30_000);
    await second.stop();
    expect(handled).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('with a linger, lets events that keep coming share a fetch and a handler call, while a lone one goes at once', async () => {
    const calls: number[][] = [];
    const lingering = (lingerMs: number) =>
      new EventConsumer(kafka, {
        groupId: `${topic}-linger-${lingerMs}`,
        logger,
        deadLetters: publisher,
        lingerMs,
        subscriptions: [
          subscription({
            topic: { name: topic, deadLetter, partitions: 1 },
            schema: counted,
            handlers: { counted: async (events) => void calls.push(events.map((e) => e.seq)) },
          }),
        ],
      });
    const consumer = lingering(300);
    await consumer.start(false);
    await new Promise((r) => setTimeout(r, 1_000)); // joined, at the end of the topic
    const t0 = performance.now();
    await publisher.publish([{ topic, key: 'one-key', value: { type: 'counted', seq: 100 } }]);
    await eventually(async () => calls.flat().includes(100), 10_000);
    expect(performance.now() - t0).toBeLessThan(250); // the first after a quiet spell waits for nothing
    // Five more, 20 ms apart: without the linger each is a fetch and a call of its own.
    for (let seq = 101; seq <= 105; seq++) {
      await publisher.publish([{ topic, key: 'one-key', value: { type: 'counted', seq } }]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(async () => calls.flat().includes(105), 10_000);
    await consumer.stop();
    const after = calls.filter((c) => c.some((seq) => seq > 100));
    expect(after.flat()).toEqual([101, 102, 103, 104, 105]);
    expect(after.length).toBeLessThanOrEqual(2);
  });

  it('hands the batches of several partitions that one fetch brought to their handler in one call', async () => {
    const calls: Array<Array<{ seq: number; key: number }>> = [];
    const consumer = new EventConsumer(kafka, {
      groupId: `${spread}-group`,
      logger,
      deadLetters: publisher,
      lingerMs: 20,
      subscriptions: [
        subscription({
          topic: { name: spread, deadLetter, partitions: 3 },
          schema: counted.extend({ key: z.number() }),
          handlers: { counted: async (events) => void calls.push(events) },
        }),
      ],
    });
    await consumer.start(false);
    await new Promise((r) => setTimeout(r, 1_000)); // joined, at the end of the topic
    // One produce request: twelve events of six keys, which the partitioner spreads.
    const events = Array.from({ length: 12 }, (_, seq) => ({ seq, key: seq % 6 }));
    await publisher.publish(
      events.map((value) => ({ topic: spread, key: `key-${value.key}`, value: { type: 'counted', ...value } })),
    );
    const filled = (await admin.fetchTopicOffsets(spread)).filter((p) => Number(p.high) > 0);
    expect(filled.length).toBeGreaterThan(1);
    await eventually(async () => calls.flat().length === 12, 10_000);
    await consumer.stop();
    expect(calls).toHaveLength(1);
    // Each key's events (one partition's) in their order within the call.
    for (let key = 0; key < 6; key++) {
      expect(calls[0]!.filter((e) => e.key === key).map((e) => e.seq)).toEqual([key, key + 6]);
    }
  });
});
