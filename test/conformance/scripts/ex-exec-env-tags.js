// A scenario's exec (named function), env (into __ENV) and tags (on its samples).
import { check } from 'k6';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const calls = new Counter('calls');
export const options = {
  scenarios: {
    api: { executor: 'per-vu-iterations', vus: 1, iterations: 2, exec: 'apiFlow', env: { FLOW: 'api' }, tags: { flow: 'api' } },
    web: { executor: 'per-vu-iterations', vus: 1, iterations: 1, exec: 'webFlow', env: { FLOW: 'web' }, tags: { flow: 'web' } },
  },
  thresholds: { 'calls{flow:api}': ['count==2'], 'calls{flow:web}': ['count==1'], 'iterations{flow:api}': ['count==2'] },
};
export function apiFlow() {
  calls.add(1);
  check(__ENV.FLOW, { 'api env': (v) => v === 'api' });
}
export function webFlow() {
  calls.add(1);
  check(__ENV.FLOW, { 'web env': (v) => v === 'web' });
}
