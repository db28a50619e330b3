// Params: headers, tags (incl. name), and the name tag grouping URLs.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = {
  iterations: 1,
  thresholds: { 'http_reqs{name:items}': ['count==3'], 'http_reqs{custom:yes}': ['count==1'] },
};
export default function () {
  const r = http.get(`${__ENV.BASE}/echo`, { headers: { 'X-Trace': 't-1' }, tags: { custom: 'yes' } });
  check(r, { 'header sent': (x) => x.json('headers')['x-trace'] === 't-1' });
  for (const id of [1, 2, 3]) http.get(`${__ENV.BASE}/echo?id=${id}`, { tags: { name: 'items' } });
}
