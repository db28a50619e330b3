// http.get and the Response fields: status, body, headers, timings, url, proto.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  const res = http.get(`${__ENV.BASE}/`);
  check(res, {
    status: (r) => r.status === 200,
    body: (r) => r.body === '{"ok":true}',
    'content-type header': (r) => r.headers['Content-Type'] === 'application/json',
    url: (r) => r.url === `${__ENV.BASE}/`,
    proto: (r) => r.proto === 'HTTP/1.1',
    'timings.duration': (r) => typeof r.timings.duration === 'number' && r.timings.duration >= 0,
    'timings.waiting': (r) => typeof r.timings.waiting === 'number',
    'no error': (r) => r.error === '' && r.error_code === 0,
  });
}
