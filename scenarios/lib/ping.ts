// One outer request to a ping service: ask it for a batch of timed calls to one target and record the answer.
import http from 'k6/http';
import { check } from 'k6';
import type { PingResult } from '../../src/contract/ping.ts';
import type { PairConfig, ScenarioConfig } from './config.ts';
import { k6Sink } from './metrics.ts';
import { pingResultProblem, recordPingFailure, recordPingResult, type SampleTags } from './record.ts';
import { bearer } from './tokens.ts';

export function pairTags(config: ScenarioConfig, pair: PairConfig): SampleTags {
  return { platform: config.platform, source: pair.source, target: pair.target, auth: pair.auth, connection: config.connection };
}

/**
 * What ping's first call of a batch pays for: `probe` measures a cold first call every batch (token fetched for
 * it, new connection, full TLS); `load` keeps ping's cached token (its first calls are not cold).
 */
export function tokenMode(config: ScenarioConfig): 'fresh' | 'cached' {
  return config.scenario === 'load' ? 'cached' : 'fresh';
}

/**
 * GET <ping>/ping?target=…&count=…&samples=1 and record the batch; false when ping gave no usable answer.
 * Async (http.asyncRequest): the embedded engine then runs the VU on its main loop, where nothing can cut the
 * synchronous recording of an answer in half (see record.ts).
 */
export async function pingBatch(config: ScenarioConfig, pair: PairConfig, count: number): Promise<boolean> {
  const ping = config.pings.find((p) => p.source === pair.source);
  if (!ping) throw new Error(`no ping for source ${pair.source}`); // validateConfig rules this out
  const tags = pairTags(config, pair);
  const headers: Record<string, string> = {};
  if (ping.tokenEnv) headers.Authorization = `Bearer ${await bearer(ping.tokenEnv, config.tokenBroker)}`;
  const query = `target=${encodeURIComponent(pair.target)}&count=${count}&auth=${pair.pingAuth}&connection=${config.connection}&token=${tokenMode(config)}&samples=1&format=json`;
  const res = await http.asyncRequest('GET', `${ping.url}/ping?${query}`, null, {
    headers,
    timeout: config.requestTimeout,
    responseType: 'text',
    tags: { name: `${ping.url}/ping`, source: pair.source, target: pair.target },
  });
  let result: unknown = null;
  if (res.status === 200 && typeof res.body === 'string') {
    try {
      result = JSON.parse(res.body);
    } catch {
      result = null;
    }
  }
  const problem = res.status === 200 ? pingResultProblem(result) : `HTTP ${res.status}${res.error ? ` (${res.error})` : ''}`;
  check(res, { 'ping answered 200 with a result': () => problem === null });
  if (problem !== null) {
    const body = typeof res.body === 'string' ? res.body.slice(0, 200).replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]*/g, '<redacted>') : '';
    console.error(`ping ${pair.source} → ${pair.target}: ${problem}; counting ${count} inner calls as failed. ${body}`);
    recordPingFailure(count, tags, k6Sink);
    return false;
  }
  const outcome = recordPingResult(result as PingResult, tags, k6Sink);
  if (outcome.warmMissing > 0) {
    console.warn(`ping ${pair.source} → ${pair.target}: ${outcome.warmMissing} warm samples not returned (PING_MAX_SAMPLES cap); s2s_latency_ms holds ${outcome.warmSamples}`);
  }
  return true;
}
