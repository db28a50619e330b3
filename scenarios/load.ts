// Beyond the post's 1000 calls: an arrival-rate scenario whose every iteration asks a ping for a small batch,
// pairs taken in turn. Inner latency goes to s2s_latency_ms, the outer hop to k6's http_req_*. Warm on purpose:
// ping keeps its cached token (token=cached) and the VUs keep their connections to ping, so a batch's first
// call pays only a new connection + TLS to the target, never a token fetch (s2s_first_cold is 0 here).
import exec from 'k6/execution';
import { loadConfig } from './lib/load-config.ts';
import { buildOptions } from './lib/options.ts';
import { pingBatch } from './lib/ping.ts';
import { summaryOutputs } from './lib/summary.ts';

const config = loadConfig();

export const options = buildOptions(config);

export async function load(): Promise<void> {
  const pair = config.pairs[exec.scenario.iterationInTest % config.pairs.length];
  if (pair) await pingBatch(config, pair, config.load.batchCount);
}

export function handleSummary(data: unknown): Record<string, string> {
  return summaryOutputs(config.summaryPath, data);
}
