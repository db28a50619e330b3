// Thresholds on built-in metrics that all pass: exit 0.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = {
  iterations: 3,
  thresholds: {
    http_req_duration: ['p(95)<5000', 'avg<5000'],
    http_req_failed: ['rate==0'],
    http_reqs: ['count==3'],
    checks: ['rate==1'],
    iterations: ['count==3'],
    iteration_duration: ['max<10000'],
  },
};
export default function () {
  const res = http.get(`${__ENV.BASE}/`);
  check(res, { 'status 200': (r) => r.status === 200 });
}
