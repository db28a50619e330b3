// __VU is 0 in the init context of the first (options) run; exec.vu throws only inside an iteration.
import { check } from 'k6';
import exec from 'k6/execution';
export { handleSummary } from './lib/summary.js';
const initVu = __VU;
export const options = { iterations: 1 };
export default function () {
  check(initVu, { 'init __VU of a VU is its id': (v) => v === 1 });
  check(exec.scenario.name, { 'scenario default': (n) => n === 'default' });
}
