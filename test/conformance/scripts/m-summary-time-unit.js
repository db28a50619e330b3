// summaryTimeUnit and a script-level summaryTrendStats with count and p(99.9).
import { Trend } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const t = new Trend('unit_ms', true);
export const options = { iterations: 1, summaryTimeUnit: 's', summaryTrendStats: ['avg', 'count', 'p(99.9)', 'max'] };
export default function () {
  t.add(1500);
}
