// Every aggregation a Trend has, passing and failing, on a custom time Trend with fixed samples.
import { Trend } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const t = new Trend('fixed_ms', true);
export const options = {
  iterations: 1,
  thresholds: {
    fixed_ms: ['avg==20', 'min==10', 'max==30', 'med==20', 'p(90)<=30', 'p(50)>25', 'p(99.9)<31', 'avg<5'],
  },
};
export default function () {
  t.add(10);
  t.add(20);
  t.add(30);
}
