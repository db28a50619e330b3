// Every method helper: post, put, patch, del, head, options, request.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = {
  iterations: 1,
  thresholds: {
    'http_reqs{method:POST}': ['count==1'], 'http_reqs{method:PUT}': ['count==1'], 'http_reqs{method:PATCH}': ['count==1'],
    'http_reqs{method:DELETE}': ['count==1'], 'http_reqs{method:HEAD}': ['count==1'], 'http_reqs{method:OPTIONS}': ['count==1'],
    'http_reqs{method:GET}': ['count==1'],
  },
};
export default function () {
  const e = `${__ENV.BASE}/echo`;
  check(http.post(e, 'p'), { post: (r) => r.json('method') === 'POST' && r.json('body') === 'p' });
  check(http.put(e, 'u'), { put: (r) => r.json('method') === 'PUT' });
  check(http.patch(e, 'a'), { patch: (r) => r.json('method') === 'PATCH' });
  check(http.del(e), { del: (r) => r.json('method') === 'DELETE' });
  check(http.head(e), { head: (r) => r.status === 200 && !r.body });
  check(http.options(e), { options: (r) => r.json('method') === 'OPTIONS' });
  check(http.request('GET', e), { request: (r) => r.json('method') === 'GET' });
}
