// Sub-metric thresholds on the scenario tag with two scenarios.
export { handleSummary } from './lib/summary.js';
export const options = {
  scenarios: {
    first: { executor: 'shared-iterations', vus: 1, iterations: 2 },
    second: { executor: 'per-vu-iterations', vus: 2, iterations: 2 },
  },
  thresholds: {
    'iterations{scenario:first}': ['count==2'],
    'iterations{scenario:second}': ['count==4'],
    'iterations{scenario:missing}': ['count==0'],
  },
};
export default function () {}
