// One open-model load: requests start at a constant rate whatever the
// latency, so a slow response shows up in the percentiles instead of slowing
// the load down (k6's constant-arrival-rate executor).
// Env: URL, METHOD (GET), BODY, HEADERS (JSON object), RATE (per second),
// DURATION (e.g. 15s), VUS (pre-allocated), OUT (summary file).
import http from 'k6/http';

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
    },
  },
};

export default function () {
  http.request(__ENV.METHOD || 'GET', __ENV.URL, __ENV.BODY || null, { headers });
}

export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify(data) };
}
