// ramping-vus ramping 2 → 0 VUs with gracefulRampDown 0s: a VU taken away mid-iteration is cut.
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const done = new Counter('finished');
export const options = {
  scenarios: { down: { executor: 'ramping-vus', startVUs: 2, stages: [{ duration: '1s', target: 0 }], gracefulRampDown: '0s' } },
};
export default function () {
  sleep(0.3);
  done.add(1);
}
