// http.batch with an array of URL strings and of [method, url, body, params] arrays.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, thresholds: { http_reqs: ['count==4'] } };
export default function () {
  const rs = http.batch([`${__ENV.BASE}/`, `${__ENV.BASE}/json`]);
  check(rs, { 'two responses': (r) => r.length === 2 && r[0].status === 200 && r[1].json('name') === 'pong' });
  const more = http.batch([
    ['GET', `${__ENV.BASE}/status/201`],
    ['POST', `${__ENV.BASE}/echo`, 'b', { tags: { batch: 'yes' } }],
  ]);
  check(more, { 'array form': (r) => r[0].status === 201 && r[1].json('body') === 'b' });
}
