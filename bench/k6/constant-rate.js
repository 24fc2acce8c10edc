// One open-model load: requests start at a constant rate whatever the
// latency, so a slow response shows up in the percentiles instead of slowing
// the load down (k6's constant-arrival-rate executor).
// Env: URL, METHOD (GET), BODY, HEADERS (JSON object), RATE (per second),
// DURATION (e.g. 15s), VUS (pre-allocated), OUT (summary file).
import http from 'k6/http';
import { Counter } from 'k6/metrics';

// Why requests failed, in the summary beside the failure rate.
const failedNetwork = new Counter('failed_network');
const failed4xx = new Counter('failed_4xx');
const failed5xx = new Counter('failed_5xx');

const headers = JSON.parse(__ENV.HEADERS || '{}');

export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['min', 'med', 'avg', 'p(90)', 'p(99)', 'max'],
  scenarios: {
    load: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE),
      timeUnit: '1s',
      duration: __ENV.DURATION,
      preAllocatedVUs: Number(__ENV.VUS || 50),
      maxVUs: Number(__ENV.VUS || 50) * 4,
      // Bounded: requests still open when the duration ends get 5 s, not k6's default 30 s.
      gracefulStop: '5s',
    },
  },
};

export default function () {
  // A request unanswered after 10 s counts as failed instead of holding a virtual user for k6's default 60 s.
  const res = http.request(__ENV.METHOD || 'GET', __ENV.URL, __ENV.BODY || null, { headers, timeout: '10s' });
  if (res.status === 0) failedNetwork.add(1);
  else if (res.status >= 500) failed5xx.add(1);
  else if (res.status >= 400) failed4xx.add(1);
}

export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify(data) };
}
