// Custom metrics added in setup() and teardown() count too.
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const c = new Counter('lifecycle_events');
export const options = { iterations: 1, thresholds: { lifecycle_events: ['count==3'] } };
export function setup() {
  c.add(1);
}
export default function () {
  c.add(1);
}
export function teardown() {
  c.add(1);
}
