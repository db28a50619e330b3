// check() with tags: checks sub-metrics per tag, and several conditions in one check call.
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = {
  iterations: 3,
  thresholds: { 'checks{area:login}': ['rate==1'], 'checks{area:cart}': ['rate<0.5'] },
};
export default function () {
  check(__ITER, { 'login ok': () => true, 'login fast': () => true }, { area: 'login' });
  check(__ITER, { 'cart ok': (i) => i === 0 }, { area: 'cart' });
}
