// 4xx/5xx responses carry error_code 1000+status; the tag shows in sub-metrics.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, thresholds: { 'http_reqs{error_code:1404}': ['count==1'], 'http_reqs{error_code:1503}': ['count==1'] } };
export default function () {
  check(http.get(`${__ENV.BASE}/status/404`), { '404 → 1404': (r) => r.error_code === 1404 });
  check(http.get(`${__ENV.BASE}/status/503`), { '503 → 1503': (r) => r.error_code === 1503 });
  check(http.get(`${__ENV.BASE}/status/201`), { '201 → 0': (r) => r.error_code === 0 });
}
