// A relative import of a helper module (resolved relative to the script).
import { check } from 'k6';
import { double } from './lib/helper.js';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  check(double(21), { 'helper works': (v) => v === 42 });
}
