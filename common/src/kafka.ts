import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from './logger.js';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through the service's JSON logger. */
export function createKafka(opts: { clientId: string; brokers: string[]; logger: Logger }): Kafka {
  const log = opts.logger.child({ component: 'kafka' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    connectionTimeout: 3_000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: { message, ...extra } }: LogEntry) =>
        log[levels[level] ?? 'info'](extra, message),
  });
}

/**
 * A health check that asks the cluster for its metadata through one
 * long-lived admin connection (reconnecting after a broker outage).
 */
export function kafkaHealthCheck(kafka: Kafka) {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  return {
    check: async () => {
      try {
        await (connected ??= admin.connect());
        await admin.describeCluster();
      } catch (err) {
        connected = undefined;
        await admin.disconnect().catch(() => undefined);
        throw err;
      }
    },
    close: () => admin.disconnect(),
  };
}
