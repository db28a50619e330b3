// responseType binary (ArrayBuffer body) and none (no body), and discardResponseBodies.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, discardResponseBodies: true };
export default function () {
  const d = http.get(`${__ENV.BASE}/json`);
  check(d, { 'discarded by default': (r) => r.body === null });
  const t = http.get(`${__ENV.BASE}/json`, { responseType: 'text' });
  check(t, { 'text on request': (r) => typeof r.body === 'string' && r.json('count') === 3 });
  const b = http.get(`${__ENV.BASE}/bytes/10`, { responseType: 'binary' });
  check(b, { 'binary is ArrayBuffer': (r) => r.body instanceof ArrayBuffer && r.body.byteLength === 10 && new Uint8Array(r.body)[9] === 9 });
  const n = http.get(`${__ENV.BASE}/bytes/10`, { responseType: 'none' });
  check(n, { 'none has no body': (r) => r.body === null && r.status === 200 });
}
