// test.abort() in setup(): exit 108, no iterations.
import exec from 'k6/execution';
export { handleSummary } from './lib/summary.js';
export function setup() {
  exec.test.abort('no backend');
}
export default function () {}
