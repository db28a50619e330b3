// The server closes the connection without answering: status 0 and a non-zero error code.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  const r = http.get(`${__ENV.BASE}/reset`);
  check(r, { 'status 0': (x) => x.status === 0, 'has error code': (x) => x.error_code > 0 });
}
