import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { stack } from '@feedmesh/testkit';
import { createKafka, kafkaPublisher, MessageRejectedError } from '../src/kafka.js';

// The publisher against the stack's real Kafka, on a topic of the test's own.
const kafka = createKafka({
  clientId: 'kafka-int-test',
  brokers: stack.kafkaBrokers.split(','),
  // As the stack's admin: the test makes and removes a topic of its own.
  credentials: stack.kafkaAdmin,
  logger: pino({ level: 'silent' }),
});
const topic = `test-publisher-${process.pid}-${Date.now()}`;
const admin = kafka.admin();

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('kafkaPublisher', () => {
  it('delivers every message once, in order per key, across partitions', async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const publisher = kafkaPublisher(kafka);
    const keys = ['post-a', 'post-b', 'post-c', 'post-d'];
    for (let batch = 0; batch < 5; batch++) {
      await publisher.publish(keys.map((key) => ({ topic, key, value: { key, seq: batch } })));
    }
    await publisher.close();

    const consumer = kafka.consumer({ groupId: `${topic}-reader` });
    const seen = new Map<string, number[]>();
    const partitions = new Map<string, number>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${total} of 20 messages arrived`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          const { key, seq } = JSON.parse(String(message.value)) as { key: string; seq: number };
          expect(String(message.key)).toBe(key);
          seen.set(key, [...(seen.get(key) ?? []), seq]);
          expect(partitions.get(key) ?? partition).toBe(partition);
          partitions.set(key, partition);
          if (++total === 20) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await new Promise((r) => setTimeout(r, 1_000)); // anything extra would be a duplicate
    await consumer.disconnect();
    expect(total).toBe(20);
    for (const key of keys) expect(seen.get(key)).toEqual([0, 1, 2, 3, 4]);
  });

  it('reports a message larger than the broker accepts as rejected, and goes on publishing the next', async () => {
    const publisher = kafkaPublisher(kafka);
    try {
      // The broker's default limit is about 1 MB per record batch.
      const huge = { topic, key: 'big', value: 'x'.repeat(2 * 1024 * 1024) };
      const thrown = await publisher.publish([huge]).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(MessageRejectedError);
      expect((thrown as Error).message).toMatch(/^MESSAGE_TOO_LARGE/);
      await publisher.publish([{ topic, key: 'small', value: { after: 'refusal' } }]);
    } finally {
      await publisher.close();
    }
  });
});
