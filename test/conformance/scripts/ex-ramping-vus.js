// ramping-vus: 0 → 3 VUs over 0.5 s, hold 0.5 s, down to 0.
import { sleep } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '500ms', target: 3 },
        { duration: '500ms', target: 3 },
        { duration: '200ms', target: 0 },
      ],
      gracefulRampDown: '0s',
    },
  },
};
export default function () {
  sleep(0.1);
}
