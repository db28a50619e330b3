// http.asyncRequest and async iterations (await inside default).
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 2, thresholds: { http_reqs: ['count==4'] } };
export default async function () {
  const [a, b] = await Promise.all([http.asyncRequest('GET', `${__ENV.BASE}/`), http.asyncRequest('POST', `${__ENV.BASE}/echo`, 'async')]);
  check(a, { 'async get': (r) => r.status === 200 });
  check(b, { 'async post': (r) => r.json('body') === 'async' });
}
