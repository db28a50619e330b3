// A Rate's rate aggregation, passing and failing.
import { Rate } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const r = new Rate('ok_rate');
export const options = { iterations: 4, thresholds: { ok_rate: ['rate==0.75', 'rate>0.9'] } };
export default function () {
  r.add(__ITER !== 0 || __VU !== 1);
}
