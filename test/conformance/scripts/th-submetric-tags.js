// Sub-metric thresholds filtered by system tags (status, method, name) and a user tag.
import http from 'k6/http';
export { handleSummary } from './lib/summary.js';
export const options = {
  iterations: 2,
  thresholds: {
    'http_reqs{status:200}': ['count==2'],
    'http_reqs{status:404}': ['count==2'],
    'http_reqs{method:POST}': ['count==2'],
    'http_req_duration{name:root}': ['max<5000'],
    'http_reqs{kind:special}': ['count>100'],
  },
};
export default function () {
  http.get(`${__ENV.BASE}/`, { tags: { name: 'root' } });
  http.post(`${__ENV.BASE}/status/404`, 'x', { tags: { kind: 'special' } });
}
