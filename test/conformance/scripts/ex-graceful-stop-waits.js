// gracefulStop 2s: the iteration in flight at the end of a 1 s constant-vus may finish.
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const done = new Counter('finished');
export const options = { scenarios: { wait: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '2s' } } };
export default function () {
  sleep(0.6);
  done.add(1);
}
