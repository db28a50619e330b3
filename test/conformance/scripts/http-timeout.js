// params.timeout: a slow response fails with error_code 1050 and status 0.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, thresholds: { 'http_reqs{error_code:1050}': ['count==1'] } };
export default function () {
  const r = http.get(`${__ENV.BASE}/delay/3000`, { timeout: '200ms' });
  check(r, { 'status 0': (x) => x.status === 0, 'code 1050': (x) => x.error_code === 1050, 'error text': (x) => x.error !== '' });
}
