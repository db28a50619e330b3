// http.batch with an object of named requests (request objects with method/url/body/params).
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  const rs = http.batch({
    home: `${__ENV.BASE}/`,
    echo: { method: 'POST', url: `${__ENV.BASE}/echo`, body: 'obj', params: { headers: { 'X-Batch': '1' } } },
    missing: { method: 'GET', url: `${__ENV.BASE}/status/404` },
  });
  check(rs, {
    'named keys': (r) => Object.keys(r).sort().join(',') === 'echo,home,missing',
    'request object': (r) => r.echo.json('body') === 'obj' && r.echo.json('headers')['x-batch'] === '1',
    '404 kept': (r) => r.missing.status === 404,
  });
}
