// constant-arrival-rate: 20 iterations/s for 1 s on pre-allocated VUs.
export { handleSummary } from './lib/summary.js';
export const options = {
  scenarios: { car: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '1s', preAllocatedVUs: 2 } },
};
export default function () {}
