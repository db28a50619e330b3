// maxDuration ends shared-iterations before all iterations ran (gracefulStop 0s cuts the last one).
import { sleep } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = {
  scenarios: { capped: { executor: 'shared-iterations', vus: 1, iterations: 1000, maxDuration: '1s', gracefulStop: '0s' } },
};
export default function () {
  sleep(0.15);
}
