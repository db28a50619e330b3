// The runner calls a target itself (e.g. a service behind a load balancer, as in the post's Cloud Run → GKE
// case): `count` sequential calls per target per batch. Every batch's first call is cold, like ping's in
// `probe`: a token minted for it (through the runner's token broker, timed) when the target is private, a new
// TCP connection (the last call of each batch asks for `Connection: close`, which both engines honour — k6's
// noVUConnectionReuse is not in the embedded engine) and a full TLS handshake (neither engine resumes sessions).
import http from 'k6/http';
import { check } from 'k6';
import { loadConfig } from './lib/load-config.ts';
import { k6Sink } from './lib/metrics.ts';
import { buildOptions, DIRECT_SOURCE } from './lib/options.ts';
import { recordDirectCall, type DirectToken } from './lib/record.ts';
import { summaryOutputs } from './lib/summary.ts';
import { bearer, freshToken } from './lib/tokens.ts';

const config = loadConfig();

export const options = buildOptions(config);

export async function direct(): Promise<void> {
  const target = config.direct[__ITER % config.direct.length];
  if (!target) return;
  const tags = { platform: config.platform, source: DIRECT_SOURCE, target: target.name, auth: target.auth, connection: config.connection };
  const https = target.url.startsWith('https:');
  let token: DirectToken = { needed: false, fetched: false, ms: 0 };
  let bearerToken: string | null = null;
  if (target.tokenEnv) {
    const fresh = await freshToken(target.tokenEnv, config.tokenBroker);
    token = { needed: true, fetched: fresh.fetched, ms: fresh.ms };
    bearerToken = fresh.token;
  }
  let failed = 0;
  for (let i = 0; i < config.count; i++) {
    const headers: Record<string, string> = {};
    if (target.tokenEnv) headers.Authorization = `Bearer ${i === 0 && bearerToken ? bearerToken : await bearer(target.tokenEnv, config.tokenBroker)}`;
    if (config.connection === 'new' || i === config.count - 1) headers.Connection = 'close';
    const res = await http.asyncRequest('GET', target.url, null, { headers, timeout: config.requestTimeout, tags: { name: target.url, target: target.name } });
    const ok = res.status >= 200 && res.status < 300;
    if (!ok) failed++;
    recordDirectCall({ ok, timings: res.timings, first: i === 0, https, token }, tags, k6Sink);
  }
  check(failed, { 'direct calls succeeded': (n) => n === 0 });
}

export function handleSummary(data: unknown): Record<string, string> {
  return summaryOutputs(config.summaryPath, data);
}
