// http.url tagged template: the name tag is the template, not each URL.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  for (const id of [1, 2]) {
    const r = http.get(http.url`${__ENV.BASE}/echo?id=${id}`);
    check(r, { 'query passed': (x) => x.json('query').id === String(id) });
  }
}
