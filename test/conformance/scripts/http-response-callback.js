// responseCallback: expectedStatuses per request and globally; null removes http_req_failed samples.
import http from 'k6/http';
export { handleSummary } from './lib/summary.js';
http.setResponseCallback(http.expectedStatuses(200, { min: 400, max: 404 }));
export const options = {
  iterations: 1,
  thresholds: {
    http_req_failed: ['rate<0.3'],
    'http_req_failed{status:404}': ['rate==0'],
    'http_req_failed{status:500}': ['rate==1'],
    'http_reqs{expected_response:true}': ['count==3'],
  },
};
export default function () {
  http.get(`${__ENV.BASE}/status/404`);
  http.get(`${__ENV.BASE}/`);
  http.get(`${__ENV.BASE}/status/500`);
  http.get(`${__ENV.BASE}/status/503`, { responseCallback: http.expectedStatuses(503) });
  http.get(`${__ENV.BASE}/status/502`, { responseCallback: null });
}
