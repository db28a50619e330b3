// A custom metric name k6 rejects (spaces): an init-context error.
import { Counter } from 'k6/metrics';
const c = new Counter('bad name!');
export default function () {
  c.add(1);
}
