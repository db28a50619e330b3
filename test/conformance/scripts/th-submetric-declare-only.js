// An empty threshold list only declares the sub-metric, so it shows in the summary.
import http from 'k6/http';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, thresholds: { 'http_req_duration{status:200}': [], 'http_reqs{status:500}': [] } };
export default function () {
  http.get(`${__ENV.BASE}/`);
}
