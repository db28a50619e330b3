// fail() ends the iteration with an error (logged), the run goes on: exit 0.
import { fail } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const after = new Counter('after_fail');
export const options = { iterations: 2 };
export default function () {
  if (__ITER === 0) fail('first iteration fails');
  after.add(1);
}
