import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../src/kafkajs-idle-fix.js';

interface Queue {
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  destroy(): void;
}
type QueueClass = new (options: Record<string, unknown>) => Queue;

// kafkajs's own request queue, as every broker connection holds one.
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as QueueClass;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queue = () =>
  new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1_000, enforceRequestTimeout: false, logger: quiet });

describe('the kafkajs idle-loop fix', () => {
  it('arms no timer on a connection that has nothing pending (kafkajs 2.2.4 re-arms a 1 ms one forever)', () => {
    const q = queue();
    q.checkPendingRequests(); // what kafkajs does after every response
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still schedules a check while a request is pending', () => {
    const q = queue();
    q.pending.push({});
    q.checkPendingRequests = () => undefined; // keep the fake request from being sent when the check fires
    (Object.getPrototypeOf(q) as { scheduleCheckPendingRequests(this: Queue): void }).scheduleCheckPendingRequests.call(
      q,
    );
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(q.throttleCheckTimeoutId!);
  });
});
