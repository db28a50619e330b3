// ramping-arrival-rate: 0 → 20/s over 1 s (about 10 iterations), then 20/s for 0.5 s (about 10).
export { handleSummary } from './lib/summary.js';
export const options = {
  scenarios: {
    rar: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: 2,
      maxVUs: 4,
      stages: [
        { duration: '1s', target: 20 },
        { duration: '500ms', target: 20 },
      ],
    },
  },
};
export default function () {}
