// setup() data reaches every iteration and teardown() as a copy.
import { check } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const seen = new Counter('seen_data');
export const options = { iterations: 3, vus: 1 };
export function setup() {
  return { token: 'abc', list: [1, 2, 3] };
}
export default function (data) {
  check(data, { 'setup data in iteration': (d) => d.token === 'abc' && d.list.length === 3 });
  seen.add(1);
}
export function teardown(data) {
  check(data, { 'setup data in teardown': (d) => d.token === 'abc' && d.list.length === 3 });
}
