// A percentile on a Counter: exit 104 at start-up.
import { Counter } from 'k6/metrics';
const c = new Counter('my_counter');
export const options = { thresholds: { my_counter: ['p(95)<1'] } };
export default function () {
  c.add(1);
}
