// Several crossed metrics: one error line naming them all (sorted).
import { Counter, Rate } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const b = new Counter('b_count');
const a = new Rate('a_rate');
export const options = { iterations: 1, thresholds: { b_count: ['count>5'], a_rate: ['rate>0.5'], iterations: ['count==1'] } };
export default function () {
  b.add(1);
  a.add(false);
}
