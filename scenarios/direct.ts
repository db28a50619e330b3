// The runner calls a target itself (e.g. a service behind a load balancer, as in the post's Cloud Run → GKE
// case), with an injected ID token when the target is private: `count` sequential calls per target per batch.
import http from 'k6/http';
import { check } from 'k6';
import { loadConfig } from './lib/load-config.ts';
import { k6Sink } from './lib/metrics.ts';
import { buildOptions, DIRECT_SOURCE } from './lib/options.ts';
import { recordDirectCall } from './lib/record.ts';
import { summaryOutputs } from './lib/summary.ts';
import { bearer } from './lib/tokens.ts';

const config = loadConfig();

export const options = buildOptions(config);

export function direct(): void {
  const target = config.direct[__ITER % config.direct.length];
  if (!target) return;
  const tags = { platform: config.platform, source: DIRECT_SOURCE, target: target.name, auth: target.auth, connection: config.connection };
  let failed = 0;
  for (let i = 0; i < config.count; i++) {
    const headers: Record<string, string> = {};
    if (target.tokenEnv) headers.Authorization = `Bearer ${bearer(target.tokenEnv, config.tokenBroker)}`;
    const res = http.get(target.url, { headers, timeout: config.requestTimeout, tags: { name: target.url, target: target.name } });
    const ok = res.status >= 200 && res.status < 300;
    if (!ok) failed++;
    recordDirectCall({ ok, timings: res.timings, first: i === 0 }, tags, k6Sink);
  }
  check(failed, { 'direct calls succeeded': (n) => n === 0 });
}

export function handleSummary(data: unknown): Record<string, string> {
  return summaryOutputs(config.summaryPath, data);
}
