// shared-iterations: 9 iterations shared by 3 VUs.
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const byVu = new Counter('by_vu');
export const options = { scenarios: { shared: { executor: 'shared-iterations', vus: 3, iterations: 9 } } };
export default function () {
  byVu.add(1);
}
