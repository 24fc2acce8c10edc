// kafkajs 2.2.4 (its last release) re-arms a 1 ms timer forever on every
// broker connection once the connection has nothing pending: its request
// queue schedules its next check at `throttledUntil - now`, which is
// negative when not throttled (tulios/kafkajs#1556 and #1704; the fixes,
// #1667 and #1768, were never merged). Measured here: about 1 600 event-loop
// wake-ups a second per connection and 30-50 ms of CPU a second in an idle
// service. With nothing pending there is nothing to check: a request that
// arrives later schedules its own check when it is queued.
import { createRequire } from 'node:module';

interface RequestQueue {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

const require = createRequire(import.meta.url);
const { prototype } = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue };
const scheduleCheck = prototype.scheduleCheckPendingRequests;

prototype.scheduleCheckPendingRequests = function (this: RequestQueue) {
  if (this.pending.length === 0) return;
  scheduleCheck.call(this);
};
