// A crossed threshold on a built-in metric: exit 99 and the "have been crossed" error line.
import http from 'k6/http';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 2, thresholds: { http_req_duration: ['max<0'], http_reqs: ['count==2'] } };
export default function () {
  http.get(`${__ENV.BASE}/`);
}
