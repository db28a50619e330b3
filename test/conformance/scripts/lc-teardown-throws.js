// An exception in teardown(): exit 107 after the iterations ran.
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 2 };
export default function () {}
export function teardown() {
  throw new Error('teardown exploded');
}
