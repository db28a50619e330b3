// Global options.tags land on every sample, next to scenario tags.
import http from 'k6/http';
export { handleSummary } from './lib/summary.js';
export const options = {
  tags: { team: 'perf' },
  scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 2, tags: { phase: 'one' } } },
  thresholds: { 'http_reqs{team:perf}': ['count==2'], 'http_reqs{phase:one}': ['count==2'], 'iterations{team:perf}': ['count==2'] },
};
export default function () {
  http.get(`${__ENV.BASE}/`);
}
