// A Counter's count and rate aggregations.
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const c = new Counter('things');
export const options = { iterations: 3, thresholds: { things: ['count==6', 'count<6', 'rate>0'] } };
export default function () {
  c.add(2);
}
