// The k6-side modules (scenarios/lib) tested in Node: they import no k6 module, so vitest runs them as k6 would.
import { describe, expect, it } from 'vitest';
import { readConfig, validateConfig, type ScenarioConfig } from '../../scenarios/lib/config.ts';
import { buildOptions, buildThresholds, S2S_METRICS, SUMMARY_TREND_STATS } from '../../scenarios/lib/options.ts';
import { recordDirectCall, recordPingFailure, recordPingResult, pingResultProblem, type ColdTags, type MetricSink, type SampleTags } from '../../scenarios/lib/record.ts';
import type { PingResult } from '../contract/ping.ts';

export function goodConfig(over: Partial<ScenarioConfig> = {}): ScenarioConfig {
  return {
    version: 1,
    platform: 'local',
    scenario: 'probe',
    pings: [{ source: 'local', url: 'https://127.0.0.1:4000', tokenEnv: null }],
    pairs: [
      { source: 'local', target: 'pong-sec', auth: 'id-token', pingAuth: 'id-token' },
      { source: 'local', target: 'pong-unsec', auth: 'none', pingAuth: 'none' },
    ],
    direct: [{ name: 'pong-sec', url: 'https://127.0.0.1:4001/pong', auth: 'id-token', tokenEnv: 'S2S_TOKEN_DIRECT_0' }],
    count: 1000,
    batches: 2,
    connection: 'reuse',
    load: { batchCount: 10, ratePerSec: 100, duration: '30s', stages: null, preAllocatedVUs: 2, maxVUs: 20 },
    thresholds: { s2s_errors: ['rate<0.01'] },
    summaryPath: '/tmp/x/summary.json',
    requestTimeout: '60s',
    maxDuration: '600s',
    tokenBroker: null,
    ...over,
  };
}

function mutate(path: string, value: unknown): unknown {
  const c = JSON.parse(JSON.stringify(goodConfig())) as Record<string, unknown>;
  const keys = path.split('.');
  let o: Record<string, unknown> = c;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys.at(-1) as string] = value;
  return c;
}

describe('validateConfig', () => {
  it('accepts a good config and returns it unchanged', () => {
    expect(validateConfig(JSON.parse(JSON.stringify(goodConfig())))).toEqual(goodConfig());
  });

  it.each([
    ['count', 0, 'config.count must be an integer in 1..10000000, got 0'],
    ['count', 'abc', 'config.count must be an integer'],
    ['scenario', 'soak', 'config.scenario must be one of probe|load|direct, got "soak"'],
    ['connection', 'keep', 'config.connection must be one of reuse|new'],
    ['pings', 'x', 'config.pings must be an array'],
    ['pairs', [], 'config.pairs must be at least one source → target pair'],
    ['version', 2, 'config.version must be 1'],
    ['load.duration', '30 seconds', 'config.load.duration must be a k6 duration'],
    ['load.maxVUs', 1, 'config.load.maxVUs must be >= preAllocatedVUs (2)'],
    ['thresholds', { s2s_errors: 'rate<0.01' }, 'config.thresholds["s2s_errors"] must be an array of k6 threshold expressions'],
    ['requestTimeout', '60', 'config.requestTimeout must be a k6 duration'],
  ])('rejects %s = %j with a message naming it', (path, value, message) => {
    expect(() => validateConfig(mutate(path, value))).toThrow(message);
  });

  it('rejects a pair whose source has no ping, naming the sources there are', () => {
    const c = mutate('pairs', [{ source: 'gke', target: 'pong-sec', auth: 'none', pingAuth: 'none' }]);
    expect(() => validateConfig(c)).toThrow('config.pairs[0].source must be the source of one of config.pings (local), got "gke"');
  });

  it('rejects a bad URL and a tag-breaking target name', () => {
    expect(() => validateConfig(mutate('pings', [{ source: 'local', url: 'ftp://x', tokenEnv: null }]))).toThrow('config.pings[0].url must be an http(s) URL');
    expect(() => validateConfig(mutate('pairs', [{ source: 'local', target: 'a,b', auth: 'none', pingAuth: 'none' }]))).toThrow('config.pairs[0].target');
  });

  it('direct needs direct targets', () => {
    expect(() => validateConfig({ ...goodConfig(), scenario: 'direct', direct: [] })).toThrow('config.direct must be at least one target');
  });

  it('readConfig takes the base64 form distributed runs pass in TestRun arguments', () => {
    const b64 = Buffer.from(JSON.stringify(goodConfig())).toString('base64');
    const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');
    expect(readConfig({ S2S_CONFIG_B64: b64 }, decode)).toEqual(readConfig({ S2S_CONFIG: JSON.stringify(goodConfig()) }));
    expect(() => readConfig({ S2S_CONFIG_B64: b64 })).toThrow(/S2S_CONFIG: not set/); // no decoder, no guess
  });

  it('readConfig says what to do when the env var is missing or not JSON', () => {
    expect(() => readConfig({})).toThrow(/S2S_CONFIG: not set\. Run scenarios through `npm run scenario:<platform>`/);
    expect(() => readConfig({ S2S_CONFIG: '{nope' })).toThrow(/S2S_CONFIG: is not valid JSON/);
    expect(readConfig({ S2S_CONFIG: JSON.stringify(goodConfig()) }).count).toBe(1000);
  });
});

describe('buildOptions', () => {
  it('probe: one VU walks pairs × batches; every pair sub-metric of the nine metrics is declared', () => {
    const o = buildOptions(goodConfig()) as { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]>; summaryTrendStats: string[] };
    expect(o.scenarios.probe).toMatchObject({ executor: 'per-vu-iterations', vus: 1, iterations: 4, exec: 'probe', maxDuration: '600s' });
    expect(o.summaryTrendStats).toEqual(SUMMARY_TREND_STATS);
    for (const m of S2S_METRICS) {
      expect(o.thresholds[`${m}{source:local,target:pong-sec}`]).toEqual([]);
      expect(o.thresholds[`${m}{source:local,target:pong-unsec}`]).toEqual([]);
    }
    expect(o.thresholds.s2s_errors).toEqual(['rate<0.01']);
  });

  it('keeps a user threshold on a pair sub-metric instead of the empty declaration', () => {
    const t = buildThresholds(goodConfig({ thresholds: { 's2s_latency_ms{source:local,target:pong-sec}': ['p(95)<20'] } }));
    expect(t['s2s_latency_ms{source:local,target:pong-sec}']).toEqual(['p(95)<20']);
  });

  it('load: constant arrival rate, or ramping with stages', () => {
    const c = goodConfig({ scenario: 'load' });
    expect((buildOptions(c).scenarios as Record<string, unknown>).load).toMatchObject({ executor: 'constant-arrival-rate', rate: 100, duration: '30s', timeUnit: '1s', preAllocatedVUs: 2, maxVUs: 20, exec: 'load' });
    const r = goodConfig({ scenario: 'load', load: { ...c.load, stages: [{ duration: '5s', target: 50 }] } });
    expect((buildOptions(r).scenarios as Record<string, unknown>).load).toMatchObject({ executor: 'ramping-arrival-rate', stages: [{ duration: '5s', target: 50 }] });
  });

  it('direct: declares runner → target sub-metrics and honours connection=new', () => {
    const o = buildOptions(goodConfig({ scenario: 'direct', connection: 'new' })) as Record<string, unknown>;
    expect(o.noConnectionReuse).toBe(true);
    expect((o.thresholds as Record<string, string[]>)['s2s_first_ms{source:runner,target:pong-sec}']).toEqual([]);
    expect((o.scenarios as Record<string, Record<string, unknown>>).direct).toMatchObject({ iterations: 2 });
  });
});

function recordingSink() {
  const got: Record<string, { v: number | boolean; tags: SampleTags & Partial<ColdTags> }[]> = {};
  const push = (k: string) => (v: number | boolean, tags: SampleTags & Partial<ColdTags>) => {
    (got[k] ??= []).push({ v, tags });
  };
  const sink: MetricSink = {
    latency: push('latency'), first: push('first'), token: push('token'), dns: push('dns'), connect: push('connect'),
    tls: push('tls'), ttfb: push('ttfb'), error: push('error'), calls: push('calls'), cold: push('cold'),
  };
  return { got, sink };
}

const TAGS: SampleTags = { platform: 'local', source: 'local', target: 'pong-sec', auth: 'id-token', connection: 'reuse' };

function pingResult(over: Partial<PingResult> = {}): PingResult {
  return {
    schemaVersion: 1, source: 'local', target: 'pong-sec', url: 'https://127.0.0.1:1/pong', auth: 'id-token', connection: 'reuse',
    countRequested: 4, calls: 4, truncated: false, startedAt: '2026-11-29T00:00:00Z', durationMs: 20,
    first: { status: 200, errorCode: null, phasesMs: { tokenMs: 5, dnsMs: 0, connectMs: 0.3, tlsMs: 2, ttfbMs: 1, totalMs: 9 } },
    warm: { count: 3, minMs: 1, meanMs: 2, p50Ms: 2, p90Ms: 3, p95Ms: 3, p99Ms: 3, maxMs: 3, stddevMs: 0.8 },
    allMeanMs: 3.75, errors: { total: 1, byStatus: { '500': 1 }, byCode: {} },
    histogram: { encoding: 'hdr-ns-b64', count: 3, sumMs: 6, sumSqMs: 14, minMs: 1, maxMs: 3, hdr: '' },
    samplesMs: [1, 2, 3],
    ...over,
  };
}

describe('recordPingResult', () => {
  it('one latency sample per warm call, the first call phases, one error sample per inner call, the call count', () => {
    const { got, sink } = recordingSink();
    const outcome = recordPingResult(pingResult(), TAGS, sink);
    expect(got.latency?.map((s) => s.v)).toEqual([1, 2, 3]);
    expect(got.first?.map((s) => s.v)).toEqual([9]);
    expect(got.token?.map((s) => s.v)).toEqual([5]);
    expect(got.tls?.map((s) => s.v)).toEqual([2]);
    expect(got.ttfb?.map((s) => s.v)).toEqual([1]);
    expect(got.error?.map((s) => s.v)).toEqual([true, false, false, false]);
    expect(got.calls?.map((s) => s.v)).toEqual([4]);
    expect(got.latency?.[0]?.tags).toEqual(TAGS);
    expect(outcome).toEqual({ calls: 4, errors: 1, warmSamples: 3, warmMissing: 0 });
  });

  it('one s2s_first_cold sample per first call, tagged with what it paid for; the call count is recorded last', () => {
    const order: string[] = [];
    const { got, sink } = recordingSink();
    const tracing = Object.fromEntries(Object.entries(sink).map(([k, f]) => [k, (...a: never[]) => (order.push(k), (f as (...x: never[]) => void)(...a))])) as unknown as MetricSink;
    const cold = { tokenFetched: true, newConnection: true, tlsHandshake: 'full' as const };
    recordPingResult(pingResult({ first: { ...pingResult().first, cold } }), TAGS, tracing);
    expect(got.cold).toEqual([{ v: true, tags: { ...TAGS, first_token: 'fetched', first_conn: 'new', first_tls: 'full' } }]);
    expect(order.at(-1)).toBe('calls');
    // A cached token, or a resumed TLS session, is not a cold first call.
    recordPingResult(pingResult({ first: { ...pingResult().first, cold: { ...cold, tokenFetched: false } } }), TAGS, sink);
    recordPingResult(pingResult({ first: { ...pingResult().first, cold: { ...cold, tlsHandshake: 'resumed' } } }), TAGS, sink);
    // auth=none needs no token: a new connection with a full handshake is cold.
    recordPingResult(pingResult({ auth: 'none', first: { ...pingResult().first, cold: { ...cold, tokenFetched: false } } }), TAGS, sink);
    expect(got.cold?.map((c) => [c.v, c.tags.first_token, c.tags.first_tls])).toEqual([
      [true, 'fetched', 'full'],
      [false, 'cached', 'full'],
      [false, 'fetched', 'resumed'],
      [true, 'none', 'full'],
    ]);
  });

  it('no phases when the first call got no answer; reports samples lost to the cap', () => {
    const { got, sink } = recordingSink();
    const r = pingResult({ first: { status: null, errorCode: 'ECONNREFUSED', phasesMs: { tokenMs: 0, dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, totalMs: 1 } }, samplesMs: [1] });
    expect(recordPingResult(r, TAGS, sink).warmMissing).toBe(2);
    expect(got.first).toBeUndefined();
  });

  it('a failed ping request counts every requested inner call as failed', () => {
    const { got, sink } = recordingSink();
    recordPingFailure(3, TAGS, sink);
    expect(got.error?.map((s) => s.v)).toEqual([true, true, true]);
    expect(got.calls?.map((s) => s.v)).toEqual([0]);
  });

  it('pingResultProblem names what is missing', () => {
    expect(pingResultProblem(null)).toBe('not a JSON object');
    expect(pingResultProblem({ calls: 1 })).toBe('no "first.phasesMs"');
    expect(pingResultProblem(pingResult())).toBeNull();
  });
});

describe('recordDirectCall', () => {
  const timings = { blocked: 0.1, connecting: 0.5, tls_handshaking: 2, sending: 0.1, waiting: 1, receiving: 0.2, duration: 1.3 };
  it('first call → first-call metrics with connect and TLS added back; later calls → warm latency', () => {
    const { got, sink } = recordingSink();
    recordDirectCall({ ok: true, timings, first: true }, TAGS, sink);
    recordDirectCall({ ok: true, timings: { ...timings, connecting: 0, tls_handshaking: 0, blocked: 0 }, first: false }, TAGS, sink);
    recordDirectCall({ ok: false, timings, first: false }, TAGS, sink);
    expect(got.first?.[0]?.v).toBeCloseTo(3.9);
    expect(got.latency?.map((s) => s.v)).toEqual([1.3]);
    expect(got.error?.map((s) => s.v)).toEqual([false, false, true]);
    expect(got.calls?.length).toBe(3);
    expect(got.token?.map((s) => s.v)).toEqual([0]);
    expect(got.cold?.map((s) => [s.v, s.tags.first_token, s.tags.first_conn, s.tags.first_tls])).toEqual([[true, 'none', 'new', 'none']]);
  });

  it('a private target: the token fetched for the batch is part of the first call, which is cold', () => {
    const { got, sink } = recordingSink();
    recordDirectCall({ ok: true, timings, first: true, https: true, token: { needed: true, fetched: true, ms: 4 } }, TAGS, sink);
    expect(got.first?.[0]?.v).toBeCloseTo(7.9);
    expect(got.token?.map((s) => s.v)).toEqual([4]);
    expect(got.cold?.map((s) => [s.v, s.tags.first_token, s.tags.first_conn, s.tags.first_tls])).toEqual([[true, 'fetched', 'new', 'full']]);
    // A reused connection (no connect, no handshake) is not cold.
    recordDirectCall({ ok: true, timings: { ...timings, connecting: 0, tls_handshaking: 0 }, first: true, https: true, token: { needed: true, fetched: true, ms: 4 } }, TAGS, sink);
    expect(got.cold?.[1]?.v).toBe(false);
  });
});
