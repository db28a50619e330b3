// The post's protocol: for each source → target pair, ping makes `count` sequential calls (default 1000) and
// answers with the first call's phases and every warm call's duration; `batches` repeats it to sample the
// first-call cost more than once: every batch's first call is cold (ping fetches a token for it, opens a new
// connection, does a full TLS handshake). One VU, pairs in turn, so batches never overlap.
import { loadConfig } from './lib/load-config.ts';
import { buildOptions } from './lib/options.ts';
import { pingBatch } from './lib/ping.ts';
import { summaryOutputs } from './lib/summary.ts';

const config = loadConfig();

export const options = buildOptions(config);

export async function probe(): Promise<void> {
  const pair = config.pairs[__ITER % config.pairs.length];
  if (pair) await pingBatch(config, pair, config.count);
}

export function handleSummary(data: unknown): Record<string, string> {
  return summaryOutputs(config.summaryPath, data);
}
