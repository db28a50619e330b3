// An exception in an iteration is logged and the run goes on: exit 0, iterations still counted.
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const after = new Counter('after_throw');
export const options = { iterations: 4, vus: 1 };
export default function () {
  if (__ITER % 2 === 0) throw new Error(`iteration ${__ITER} failed`);
  after.add(1);
}
