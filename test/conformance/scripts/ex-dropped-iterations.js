// constant-arrival-rate with too few VUs: iterations that find no free VU are dropped (dropped_iterations).
import { sleep } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = {
  scenarios: { busy: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '1s', preAllocatedVUs: 1, maxVUs: 1 } },
};
export default function () {
  sleep(0.5);
}
