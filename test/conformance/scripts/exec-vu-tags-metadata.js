// exec.vu.tags set in an iteration land on the samples that follow.
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const c = new Counter('tagged_by_vu');
export const options = { iterations: 2, thresholds: { 'tagged_by_vu{phase:set}': ['count==2'] } };
export default function () {
  exec.vu.tags.phase = 'set';
  c.add(1);
}
