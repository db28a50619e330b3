// A refused connection: status 0, an error code in the 1200s (TCP), http_req_failed counts it.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, thresholds: { http_req_failed: ['rate==1'] } };
export default function () {
  const r = http.get(`${__ENV.CLOSED}/`);
  check(r, { 'status 0': (x) => x.status === 0, 'tcp error code': (x) => x.error_code >= 1200 && x.error_code < 1300, 'code is 1212': (x) => x.error_code === 1212 });
}
