// group() returns its function's value; an exception inside a group still ends the iteration.
import { check, group } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 2 };
export default function () {
  const v = group('compute', () => 41 + 1);
  check(v, { 'group returned 42': (x) => x === 42 });
  group('thrower', () => {
    if (__ITER === 1) throw new Error('inside group');
  });
}
