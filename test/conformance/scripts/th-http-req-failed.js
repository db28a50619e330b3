// http_req_failed counts responses outside the expected statuses (default 200-399).
import http from 'k6/http';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, thresholds: { http_req_failed: ['rate<0.5'], 'http_req_failed{status:503}': ['rate==1'] } };
export default function () {
  http.get(`${__ENV.BASE}/status/503`);
  http.get(`${__ENV.BASE}/status/500`);
  http.get(`${__ENV.BASE}/`);
}
