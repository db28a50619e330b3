// The long threshold form (threshold + abortOnFail false + delayAbortEval) mixed with the short one.
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const c = new Counter('long_count');
export const options = {
  iterations: 2,
  thresholds: {
    long_count: [{ threshold: 'count==2', abortOnFail: false }, { threshold: 'count>5', delayAbortEval: '1s' }, 'count<10'],
  },
};
export default function () {
  c.add(1);
}
