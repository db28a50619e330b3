// An abortOnFail threshold that is crossed stops the test early: exit 99 (k6 v1.3.0), not the full 20 s.
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const bad = new Counter('bad_events');
export const options = {
  vus: 1,
  duration: '20s',
  thresholds: { bad_events: [{ threshold: 'count<1', abortOnFail: true }] },
};
export default function () {
  bad.add(1);
  sleep(0.1);
}
