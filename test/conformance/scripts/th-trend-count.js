// `count` on a Trend: k6 v1.3.0 has no such aggregation for trends (exit 104, naming avg, min, max, med, p).
import { Trend } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const t = new Trend('plain_trend');
export const options = { iterations: 2, thresholds: { plain_trend: ['count==4', 'count>10'] } };
export default function () {
  t.add(1);
  t.add(2);
}
