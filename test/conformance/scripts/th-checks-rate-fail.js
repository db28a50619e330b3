// checks rate threshold crossed by a failing check: exit 99.
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 4, thresholds: { checks: ['rate>0.9'] } };
export default function () {
  check(__ITER, { 'even iteration': () => exec_even() });
}
let n = 0;
function exec_even() {
  n++;
  return n % 2 === 0;
}
