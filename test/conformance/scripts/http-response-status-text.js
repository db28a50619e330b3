// Response fields for a 4xx: status, body, http_req_failed with the default expected statuses.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 2, thresholds: { http_req_failed: ['rate==0.5'] } };
export default function () {
  const r = http.get(__ITER === 0 ? `${__ENV.BASE}/status/418` : `${__ENV.BASE}/`);
  check(r, { 'status kept': (x) => x.status === (__ITER === 0 ? 418 : 200) });
}
