// Redirects are followed (each hop is a request); params.redirects and maxRedirects cap them.
import http from 'k6/http';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1, maxRedirects: 3 };
export default function () {
  const ok = http.get(`${__ENV.BASE}/redirect/3`);
  check(ok, { 'followed to /': (r) => r.status === 200 && r.url === `${__ENV.BASE}/` });
  const none = http.get(`${__ENV.BASE}/redirect/2`, { redirects: 0 });
  check(none, { 'not followed': (r) => r.status === 302 && r.headers.Location === '/redirect/1' });
  const capped = http.get(`${__ENV.BASE}/redirect/5`);
  check(capped, { 'capped by maxRedirects': (r) => r.status === 302 });
}
