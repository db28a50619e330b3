// A plain script for the CLI flag cases (each case passes its own flags; see cases.ts).
import { check, sleep } from 'k6';
import http from 'k6/http';
export { handleSummary } from './lib/summary.js';
export const options = { thresholds: { checks: ['rate==1'] } };
export default function () {
  const r = http.get(`${__ENV.BASE}/`);
  check(r, { 'status 200': (x) => x.status === 200 });
  if (__ENV.SLEEP) sleep(Number(__ENV.SLEEP));
}
