// startTime: the second scenario starts 500 ms after the first; each sees its own scenario name.
import exec from 'k6/execution';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = {
  scenarios: {
    early: { executor: 'shared-iterations', vus: 1, iterations: 2 },
    late: { executor: 'shared-iterations', vus: 1, iterations: 2, startTime: '500ms' },
  },
};
export default function () {
  const started = exec.instance.currentTestRunDuration;
  check(started, {
    'late starts after 500ms': (ms) => exec.scenario.name !== 'late' || ms >= 450,
    'early starts at once': (ms) => exec.scenario.name !== 'early' || ms < 450,
  });
}
