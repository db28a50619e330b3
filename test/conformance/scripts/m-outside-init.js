// Creating a metric outside the init context is an error in the iteration.
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  new Counter('late_counter').add(1);
}
