// No handleSummary: the default end-of-test text summary on stdout (thresholds, checks, groups, metrics).
import http from 'k6/http';
import { check, group } from 'k6';
import { Trend } from 'k6/metrics';
const t = new Trend('text_trend', true);
export const options = { iterations: 2, thresholds: { http_req_duration: ['p(95)<5000'], 'http_reqs{status:200}': ['count==2'], text_trend: ['max<0'] } };
export default function () {
  group('g', () => {
    const r = http.get(`${__ENV.BASE}/`);
    check(r, { 'is 200': (x) => x.status === 200 });
    t.add(3);
  });
}
