// constant-vus: 2 VUs loop for 1 s (about 10 iterations each with sleep 0.1).
import { sleep } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { scenarios: { cv: { executor: 'constant-vus', vus: 2, duration: '1s' } } };
export default function () {
  sleep(0.1);
}
