import { Kafka, logLevel, Partitioners, type Admin, type LogEntry, type Producer } from 'kafkajs';
import './kafkajs-idle-fix.js';
import type { Logger } from './logger.js';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Who a client logs in to Kafka as (SASL/SCRAM-SHA-256): a service's own user, or the stack's admin. */
export interface KafkaCredentials {
  username: string;
  password: string;
}

/** What a client needs to reach Kafka: where the brokers are and who it is there. */
export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  /** Left out only for a client that is meant to be refused (a test's stranger). */
  credentials?: KafkaCredentials;
  logger: Logger;
}

/** A kafkajs client whose logs go through the service's JSON logger. */
export function createKafka(opts: KafkaClientOptions): Kafka {
  const log = opts.logger.child({ component: 'kafka' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    // SCRAM: the broker proves it knows the password too, and the password never crosses the socket.
    ...(opts.credentials ? { sasl: { mechanism: 'scram-sha-256' as const, ...opts.credentials } } : {}),
    connectionTimeout: 3_000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: { message, ...extra } }: LogEntry) =>
        log[levels[level] ?? 'info'](extra, message),
  });
}

/**
 * One long-lived admin connection per process, opened on first use and
 * reopened after a failure (a broker outage). Health checks and lag reports
 * share it instead of connecting per request.
 */
export class KafkaAdmin {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  private async use<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      await (this.connected ??= this.admin.connect());
      return await fn(this.admin);
    } catch (err) {
      this.connected = undefined;
      await this.admin.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /** A health check: the cluster answers a metadata request. */
  readonly check = async (): Promise<void> => {
    await this.use((admin) => admin.describeCluster());
  };

  /** How far a consumer group is behind the end of a topic, per partition. */
  lag(groupId: string, topic: string): Promise<Array<{ partition: number; lag: number }>> {
    return this.use(async (admin) => {
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      return ends.map(({ partition, offset, low }) => {
        const at = done.get(partition) ?? -1;
        // -1: nothing committed yet, so everything still in the log is ahead.
        return { partition, lag: Number(offset) - (at < 0 ? Number(low) : at) };
      });
    });
  }

  close(): Promise<void> {
    return this.admin.disconnect();
  }
}

/** One message to publish: the key decides the partition, so one key's messages stay in order. */
export interface OutgoingMessage {
  topic: string;
  key: string;
  /** Sent as JSON, except a string, which is sent as it is (e.g. a message being dead-lettered). */
  value: unknown;
  headers?: Record<string, string>;
}

/**
 * What producers depend on, instead of a Kafka client: the client library can
 * change without touching them.
 */
export interface EventPublisher {
  /**
   * Resolves once every message is acknowledged by all in-sync replicas, in
   * order. Throws MessageRejectedError when the messages themselves are
   * refused; anything else it throws (no broker, no leader, a timeout) may
   * pass, and the same messages may succeed later.
   */
  publish(messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** The messages themselves were refused (too large, invalid, not encodable): sending them again cannot succeed. */
export class MessageRejectedError extends Error {
  override readonly name = 'MessageRejectedError';
}

/**
 * Kafka's answers about the messages rather than about the cluster. Kept
 * short on purpose: an outage taken for a refusal would set events aside
 * for good, so only these count.
 */
const REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/** The refusal in a kafkajs error or in what it wraps (a non-retriable error keeps the broker's as its cause). */
function refusalOf(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const { type } = e as Error & { type?: unknown };
    if (typeof type === 'string' && REFUSALS.has(type)) return `${type}: ${e.message}`;
  }
  return undefined;
}

function encode(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new MessageRejectedError(`cannot be sent as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * An EventPublisher on kafkajs with the idempotent producer: the broker drops
 * the duplicates a retry would write, and one request in flight at a time keeps
 * each partition in the order given.
 */
export function kafkaPublisher(kafka: Kafka): EventPublisher {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let connected: Promise<void> | undefined;
  return {
    async publish(messages) {
      try {
        await (connected ??= producer.connect());
      } catch (err) {
        connected = undefined;
        throw err;
      }
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const m of messages) {
        const list = byTopic.get(m.topic);
        if (list) list.push(m);
        else byTopic.set(m.topic, [m]);
      }
      const topicMessages = [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((m) => ({ key: m.key, value: encode(m.value), headers: m.headers })),
      }));
      try {
        await producer.sendBatch({ acks: -1, topicMessages });
      } catch (err) {
        const refusal = refusalOf(err);
        throw refusal ? new MessageRejectedError(refusal, { cause: err }) : err;
      }
    },
    close: () => producer.disconnect(),
  };
}

/**
 * The Kafka side of a service: the client, one admin connection (health,
 * lag) and one publisher, closed together after the service drained.
 */
export function serviceKafka(opts: KafkaClientOptions) {
  const kafka = createKafka(opts);
  const admin = new KafkaAdmin(kafka);
  const publisher = kafkaPublisher(kafka);
  return {
    kafka,
    admin,
    publisher,
    close: async () => {
      await publisher.close();
      await admin.close();
    },
  };
}
