// --out json: Metric and Point lines for built-in, custom and sub-metrics with thresholds.
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const c = new Counter('json_counter');
export const options = { iterations: 1, thresholds: { json_counter: ['count==1'], 'http_req_duration{status:200}': ['max<10000'] } };
export default function () {
  group('g', () => {
    const r = http.get(`${__ENV.BASE}/`, { tags: { extra: 'e' } });
    check(r, { ok: (x) => x.status === 200 });
  });
  c.add(1, { k: 'v' });
}
