// Request bodies: a string, a JSON string with a content type, an object (form-encoded).
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  const e = `${__ENV.BASE}/echo`;
  check(http.post(e, 'plain text'), { 'string body': (r) => r.json('body') === 'plain text' });
  const j = http.post(e, JSON.stringify({ a: 1 }), { headers: { 'Content-Type': 'application/json' } });
  check(j, { 'json body': (r) => r.json('body') === '{"a":1}', 'json content type': (r) => r.json('headers')['content-type'] === 'application/json' });
  const f = http.post(e, { name: 'k 6', n: '1' });
  check(f, {
    'form body': (r) => r.json('body') === 'n=1&name=k+6' || r.json('body') === 'name=k+6&n=1',
    'form content type': (r) => r.json('headers')['content-type'] === 'application/x-www-form-urlencoded',
  });
}
