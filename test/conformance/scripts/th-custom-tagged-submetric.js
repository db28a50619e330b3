// Thresholds on tagged sub-metrics of a custom Trend and Counter.
import { Counter, Trend } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const t = new Trend('work_ms', true);
const c = new Counter('work_items');
export const options = {
  iterations: 1,
  thresholds: {
    'work_ms{kind:fast}': ['max<10'],
    'work_ms{kind:slow}': ['max<10'],
    'work_items{kind:fast}': ['count==2'],
  },
};
export default function () {
  t.add(5, { kind: 'fast' });
  t.add(50, { kind: 'slow' });
  c.add(1, { kind: 'fast' });
  c.add(1, { kind: 'fast' });
  c.add(1, { kind: 'slow' });
}
