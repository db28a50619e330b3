// -e KEY=VALUE: several values, one with "=" inside, one overriding another.
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  check(__ENV, {
    'A set': (e) => e.A === '1',
    'B has =': (e) => e.B === 'x=y',
    'last wins': (e) => e.C === 'second',
  });
}
