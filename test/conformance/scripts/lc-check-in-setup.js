// checks and requests in setup() and teardown() land in k6's implicit ::setup / ::teardown groups.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, thresholds: { 'http_reqs{group:::setup}': ['count==1'], 'checks{group:::teardown}': ['rate==1'] } };
export function setup() {
  check(http.get(`${__ENV.BASE}/`), { 'setup request ok': (r) => r.status === 200 });
}
export default function () {}
export function teardown() {
  check(true, { 'teardown check': (v) => v });
}
