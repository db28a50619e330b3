// --no-thresholds: a crossed threshold is not evaluated, exit 0.
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const c = new Counter('ignored_count');
export const options = { iterations: 1, thresholds: { ignored_count: ['count>100'] } };
export default function () {
  c.add(1);
}
