// `count` on a Gauge: exit 104 at start-up.
import { Gauge } from 'k6/metrics';
const g = new Gauge('my_gauge');
export const options = { thresholds: { my_gauge: ['count>1'] } };
export default function () {
  g.add(1);
}
