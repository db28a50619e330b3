// test.abort() in an iteration: exit 108, teardown still runs, summary still written.
import exec from 'k6/execution';
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const td = new Counter('teardown_ran');
export const options = { vus: 1, duration: '10s' };
export default function () {
  sleep(0.05);
  if (__ITER === 2) exec.test.abort('enough');
}
export function teardown() {
  td.add(1);
}
