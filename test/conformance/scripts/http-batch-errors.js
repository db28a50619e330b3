// http.batch where one request is refused and one is a 404: the others still answer.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, thresholds: { http_reqs: ['count==3'], http_req_failed: ['rate>0.5'] } };
export default function () {
  const [ok, refused, missing] = http.batch([`${__ENV.BASE}/`, `${__ENV.CLOSED}/`, `${__ENV.BASE}/status/404`]);
  check(ok, { 'ok 200': (r) => r.status === 200 });
  check(refused, { 'refused 0': (r) => r.status === 0 && r.error_code === 1212 });
  check(missing, { 'missing 404': (r) => r.status === 404 });
}
