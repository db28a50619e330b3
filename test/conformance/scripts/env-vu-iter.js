// __ENV from -e, __VU from 1, __ITER from 0 per VU.
import { check } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const c = new Counter('iter_sum');
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } } };
export default function () {
  check(__ENV.GREETING, { 'env from -e': (v) => v === 'hello world' });
  check(__VU, { 'vu from 1': (v) => v === 1 || v === 2 });
  c.add(__ITER);
}
