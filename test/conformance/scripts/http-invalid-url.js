// A URL that does not parse throws in the iteration (logged), the run goes on.
import http from 'k6/http';
import { Counter } from 'k6/metrics';
export { handleSummary } from './lib/summary.js';
const reached = new Counter('after_bad_url');
export const options = { iterations: 1 };
export default function () {
  http.get('not a url at all');
  reached.add(1);
}
