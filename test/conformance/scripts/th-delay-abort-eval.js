// delayAbortEval longer than the test: no early stop, the threshold still fails at the end (exit 99).
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const bad = new Counter('late_bad');
export const options = {
  scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 3 } },
  thresholds: { late_bad: [{ threshold: 'count<1', abortOnFail: true, delayAbortEval: '1m' }] },
};
export default function () {
  bad.add(1);
  sleep(0.2);
}
