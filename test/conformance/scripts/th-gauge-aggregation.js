// A Gauge's value aggregation (the last value added).
import { Gauge } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const g = new Gauge('level');
export const options = { iterations: 1, thresholds: { level: ['value==7', 'value>10'] } };
export default function () {
  g.add(3);
  g.add(9);
  g.add(7);
}
