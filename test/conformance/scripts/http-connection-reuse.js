// Connection reuse: by default a VU keeps its connection across requests and iterations; noConnectionReuse opens
// one per request (and asks Connection: close); noVUConnectionReuse closes the VU's connections between
// iterations. GET /conn answers with the client port that served it. MODE = keep | none | vu.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
const MODE = __ENV.MODE;
export const options = {
  iterations: 2,
  noConnectionReuse: MODE === 'none',
  noVUConnectionReuse: MODE === 'vu',
  thresholds: { checks: ['rate==1'] },
};
const seen = [];
export default function () {
  const mine = [];
  for (let i = 0; i < 3; i++) mine.push(http.get(`${__ENV.BASE}/conn`).json());
  seen.push(...mine.map((r) => r.port));
  const inIteration = new Set(mine.map((r) => r.port)).size;
  const overall = new Set(seen).size;
  const want = { keep: [1, 1], none: [3, 3 * (__ITER + 1)], vu: [1, __ITER + 1] }[MODE];
  check(null, {
    'connections in this iteration': () => inIteration === want[0],
    'connections so far': () => overall === want[1],
  });
  if (MODE === 'none') check(null, { 'asks connection: close': () => mine.every((r) => r.connection === 'close') });
}
