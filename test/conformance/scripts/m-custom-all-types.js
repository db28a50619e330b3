// One custom metric of each type with tags; a Trend without isTime is "default", with isTime "time".
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const c = new Counter('my_counter');
const g = new Gauge('my_gauge');
const r = new Rate('my_rate');
const t = new Trend('my_trend');
const tt = new Trend('my_time_trend', true);
export const options = { iterations: 2, thresholds: { 'my_counter{color:red}': ['count==2'], 'my_rate{color:red}': ['rate==1'] } };
export default function () {
  c.add(1, { color: 'red' });
  c.add(3, { color: 'blue' });
  g.add(__ITER + 5, { color: 'red' });
  r.add(true, { color: 'red' });
  r.add(0, { color: 'blue' });
  t.add(12.5, { color: 'red' });
  tt.add(250);
}
