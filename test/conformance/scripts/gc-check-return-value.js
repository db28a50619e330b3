// check() returns false when any condition fails; non-boolean results count by truthiness.
import { check } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const falses = new Counter('check_false');
export const options = { iterations: 1 };
export default function () {
  if (!check(null, { truthy: () => 'yes', falsy: () => 0 })) falses.add(1);
  if (!check(null, { 'all good': () => 1 })) falses.add(100);
}
