// test.abort() in teardown(): exit 108.
import exec from 'k6/execution';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {}
export function teardown() {
  exec.test.abort('stop in teardown');
}
