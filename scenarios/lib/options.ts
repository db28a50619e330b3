// k6 `options` computed from the run config at init: the executor per scenario, the thresholds (with the
// empty-array declarations that make every source → target sub-metric appear in the summary), trend stats.
// No k6 import here, so the runner and its tests can compute the very same options.
import type { ScenarioConfig } from './config.ts';

/** The ten metrics the scenarios emit (names are part of the contract, see DESIGN.md and the README). */
export const S2S_METRICS = [
  's2s_latency_ms',
  's2s_first_ms',
  's2s_token_ms',
  's2s_dns_ms',
  's2s_connect_ms',
  's2s_tls_ms',
  's2s_ttfb_ms',
  's2s_errors',
  's2s_calls',
  's2s_first_cold',
] as const;

/** Trend stats of scenario runs: `count` lets reports recompute the post's mean of all calls. */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

/** Source tag of the `direct` scenario: the runner's own VU is the caller. */
export const DIRECT_SOURCE = 'runner';

export interface MeasuredKey {
  source: string;
  target: string;
}

/** The source → target pairs a config measures, in order, without duplicates. */
export function measuredKeys(config: ScenarioConfig): MeasuredKey[] {
  const keys =
    config.scenario === 'direct'
      ? config.direct.map((d) => ({ source: DIRECT_SOURCE, target: d.name }))
      : config.pairs.map((p) => ({ source: p.source, target: p.target }));
  const seen = new Set<string>();
  return keys.filter((k) => {
    const id = `${k.source}\u0000${k.target}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** `metric{source:<s>,target:<t>}`: the exact sub-metric key form of the run folder contract. */
export function pairKey(metric: string, key: MeasuredKey): string {
  return `${metric}{source:${key.source},target:${key.target}}`;
}

/** Thresholds from the config plus an empty declaration for every pair sub-metric not already there. */
export function buildThresholds(config: ScenarioConfig): Record<string, string[]> {
  const thresholds: Record<string, string[]> = {};
  for (const [key, list] of Object.entries(config.thresholds)) thresholds[key] = [...list];
  for (const key of measuredKeys(config)) {
    for (const metric of S2S_METRICS) {
      const k = pairKey(metric, key);
      if (!(k in thresholds)) thresholds[k] = [];
    }
  }
  return thresholds;
}

/** The k6 options object of a scenario run. */
export function buildOptions(config: ScenarioConfig): Record<string, unknown> {
  const common = {
    thresholds: buildThresholds(config),
    summaryTrendStats: SUMMARY_TREND_STATS,
  };
  if (config.scenario === 'load') {
    const l = config.load;
    const vus = { preAllocatedVUs: l.preAllocatedVUs, maxVUs: l.maxVUs };
    const load = l.stages
      ? { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', stages: l.stages, ...vus, exec: 'load' }
      : { executor: 'constant-arrival-rate', rate: l.ratePerSec, timeUnit: '1s', duration: l.duration, ...vus, exec: 'load' };
    return { ...common, scenarios: { load } };
  }
  // probe and direct: one VU walks the pairs (or targets) in turn, `batches` times, so batches never overlap
  // and each first call is a genuine cold start of that hop, as in the post.
  const n = config.scenario === 'direct' ? config.direct.length : config.pairs.length;
  const scenario = {
    executor: 'per-vu-iterations',
    vus: 1,
    iterations: n * config.batches,
    maxDuration: config.maxDuration,
    exec: config.scenario,
  };
  return {
    ...common,
    ...(config.scenario === 'direct' && config.connection === 'new' ? { noConnectionReuse: true } : {}),
    scenarios: { [config.scenario]: scenario },
  };
}
