// per-vu-iterations: every one of 2 VUs runs 3 iterations (checked per VU with a tagged counter).
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const c = new Counter('per_vu');
export const options = {
  scenarios: { pervu: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } },
  thresholds: { 'per_vu{which:1}': ['count==3'], 'per_vu{which:2}': ['count==3'] },
};
export default function () {
  c.add(1, { which: String(__VU) });
}
