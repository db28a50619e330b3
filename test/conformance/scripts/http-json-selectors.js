// Response.json() with and without a selector (GJSON paths).
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  const r = http.get(`${__ENV.BASE}/json`);
  check(r, {
    'whole document': (x) => x.json().name === 'pong',
    'nested path': (x) => x.json('nested.key') === 'value',
    'array index': (x) => x.json('items.1') === 2,
    'array length': (x) => x.json('items.#') === 3,
    'missing path': (x) => x.json('nope') === undefined,
  });
}
