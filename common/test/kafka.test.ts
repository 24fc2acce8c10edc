import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  type Kafka,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaPublisher, MessageRejectedError } from '../src/kafka.js';

// Which publish failures set messages aside for good (MessageRejectedError)
// and which only mean "not now": against the errors kafkajs itself throws.
function publisherFailingWith(err: Error | undefined) {
  const sent: unknown[] = [];
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch: async (batch: unknown) => {
      if (err) throw err;
      sent.push(batch);
    },
  };
  return { publisher: kafkaPublisher({ producer: () => producer } as unknown as Kafka), sent };
}

const protocolError = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError({ type, code: 0, retriable, message: `broker says ${type}` } as unknown as Error);

/** As kafkajs's retrier wraps an error it will not retry (its typings leave out the options). */
const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;
const nonRetriable = (e: Error) => new NonRetriable(e, { cause: e });

const message = { topic: 't', key: 'k', value: { a: 1 } };

describe('kafkaPublisher', () => {
  it.each([
    ['a message too large, as the broker answers it', protocolError('MESSAGE_TOO_LARGE', false)],
    ['a message too large, wrapped as non-retriable', nonRetriable(protocolError('MESSAGE_TOO_LARGE', false))],
    ['a batch larger than a segment', protocolError('RECORD_LIST_TOO_LARGE', false)],
    ['a record the broker found invalid', protocolError('INVALID_RECORD', false)],
  ])('reports %s as rejected, with the reason', async (_, err) => {
    const { publisher } = publisherFailingWith(err);
    const thrown = await publisher.publish([message]).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(MessageRejectedError);
    expect((thrown as Error).message).toMatch(/^(MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|INVALID_RECORD): broker says/);
  });

  it.each([
    ['no broker to connect to', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')],
    [
      'retries used up while the broker is away',
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('ECONNREFUSED'), { retryCount: 5, retryTime: 100 }),
    ],
    ['no leader for a partition', protocolError('LEADER_NOT_AVAILABLE', true)],
    ['a topic the broker does not know', protocolError('INVALID_TOPIC_EXCEPTION', false)],
  ])('lets %s through as it is: the same messages may succeed later', async (_, err) => {
    const { publisher } = publisherFailingWith(err);
    const thrown = await publisher.publish([message]).catch((e: unknown) => e);
    expect(thrown).toBe(err);
  });

  it('rejects a value that cannot be sent as JSON without sending anything', async () => {
    const { publisher, sent } = publisherFailingWith(undefined);
    const thrown = await publisher.publish([{ ...message, value: { n: 1n } }]).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(MessageRejectedError);
    expect(sent).toEqual([]);
  });
});
