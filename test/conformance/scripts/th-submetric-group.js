// Sub-metric thresholds on the group tag (k6 group paths start with "::").
import http from 'k6/http';
import { group } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = {
  iterations: 1,
  thresholds: {
    'http_reqs{group:::outer}': ['count==1'],
    'http_reqs{group:::outer::inner}': ['count==2'],
    'group_duration{group:::outer}': ['max<10000'],
  },
};
export default function () {
  group('outer', () => {
    http.get(`${__ENV.BASE}/`);
    group('inner', () => {
      http.get(`${__ENV.BASE}/`);
      http.get(`${__ENV.BASE}/`);
    });
  });
}
