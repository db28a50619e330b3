// From flags + a resolved platform to the one config object the scenario receives (S2S_CONFIG), and to the
// resolved config recorded in run.json (secrets removed: only env var names, never tokens).
import type { ResolvedPlatform } from '../platforms/types.ts';
import { CONFIG_VERSION, validateConfig, type ScenarioConfig } from '../../scenarios/lib/config.ts';
import type { RunnerFlags } from './flags.ts';
import { durationSec } from './flags.ts';

/** Generous per-call budget used to size timeouts of big batches (a loaded host can be slow). */
const BUDGET_PER_CALL_MS = 5;

export interface TokenEnvNames {
  /** ping source → env var holding the token for that (private) ping. */
  pings: Record<string, string>;
  /** direct target name → env var holding its token. */
  direct: Record<string, string>;
}

/** Env var names for every private hop the runner itself makes (tokens are fetched later, by cli.ts). */
export function tokenEnvNames(resolved: ResolvedPlatform, scenario: RunnerFlags['scenario']): TokenEnvNames {
  const names: TokenEnvNames = { pings: {}, direct: {} };
  if (scenario === 'direct') {
    resolved.direct.forEach((d, i) => {
      if (d.private) names.direct[d.name] = `S2S_TOKEN_DIRECT_${i}`;
    });
  } else {
    resolved.pings.forEach((p, i) => {
      if (p.private && resolved.pairs.some((pair) => pair.source === p.source)) names.pings[p.source] = `S2S_TOKEN_PING_${i}`;
    });
  }
  return names;
}

/** Seconds the outer request of one batch may take. */
export function requestTimeoutSec(count: number): number {
  return Math.max(60, Math.ceil((count * BUDGET_PER_CALL_MS) / 1000) + 30);
}

/** One load iteration (a ping request of `batchCount` inner calls), estimated: outer hop + inner calls, ms. */
export const LOAD_ITERATION_BASE_MS = 25;
export const LOAD_PER_INNER_CALL_MS = 5;
/** VUs wanted per VU busy on average (Little's law): room for latency spikes before the cap drops starts. */
export const LOAD_VU_HEADROOM = 4;

/** Estimated duration of one load iteration, ms (see the README's --max-vus formula). */
export function loadIterationEstimateMs(batchCount: number): number {
  return LOAD_ITERATION_BASE_MS + LOAD_PER_INNER_CALL_MS * batchCount;
}

/**
 * Load executor VU sizing from the rate and the scenario's own inputs, so that the VU cap is not what drops
 * iterations while the services keep up: maxVUs = ⌈peak rate × (25 ms + 5 ms × batch count) × 4⌉, at least 10,
 * at most 5000; preAllocatedVUs = the VUs busy on average at the estimate (at least 2).
 */
export function loadVUs(flags: RunnerFlags): { preAllocatedVUs: number; maxVUs: number } {
  const peak = flags.stages ? Math.max(...flags.stages.map((s) => s.target), 1) : flags.ratePerSec;
  const busy = (peak * loadIterationEstimateMs(flags.batchCount)) / 1000;
  const maxVUs = flags.maxVUs ?? Math.min(5000, Math.max(10, Math.ceil(busy * LOAD_VU_HEADROOM)));
  const preAllocatedVUs = Math.min(maxVUs, Math.max(2, Math.ceil(busy)));
  return { preAllocatedVUs, maxVUs };
}

/** Iterations a load run asks for: rate × duration, or the integral of the stages (linear ramps). */
export function requestedIterations(flags: RunnerFlags): number {
  if (!flags.stages) return Math.round(flags.ratePerSec * durationSec(flags.duration));
  let from = 0;
  let total = 0;
  for (const s of flags.stages) {
    total += ((from + s.target) / 2) * durationSec(s.duration);
    from = s.target;
  }
  return Math.round(total);
}

/** How long the run is expected to take, seconds (null when it depends on the target's speed). */
export function expectedDurationSec(flags: RunnerFlags): number | null {
  if (flags.scenario !== 'load') return null;
  return flags.stages ? flags.stages.reduce((sum, s) => sum + durationSec(s.duration), 0) : durationSec(flags.duration);
}

export function buildScenarioConfig(input: {
  flags: RunnerFlags;
  resolved: ResolvedPlatform;
  thresholds: Record<string, string[]>;
  tokenEnv: TokenEnvNames;
  summaryPath: string;
  tokenBroker: ScenarioConfig['tokenBroker'];
}): ScenarioConfig {
  const { flags, resolved } = input;
  const pairs = resolved.pairs;
  const perBatchCalls = flags.scenario === 'load' ? flags.batchCount : flags.count;
  const units = flags.scenario === 'direct' ? resolved.direct.length : pairs.length;
  const totalCalls = flags.count * flags.batches * Math.max(1, units);
  const maxDurationSec = Math.max(600, Math.ceil((totalCalls * BUDGET_PER_CALL_MS) / 1000) + 60);
  const config: ScenarioConfig = {
    version: CONFIG_VERSION,
    platform: resolved.platform,
    scenario: flags.scenario,
    pings: resolved.pings.map((p) => ({ source: p.source, url: p.url, tokenEnv: input.tokenEnv.pings[p.source] ?? null })),
    pairs: pairs.map((p) => ({ source: p.source, target: p.target, auth: p.auth, pingAuth: p.pingAuth })),
    direct: resolved.direct.map((d) => ({ name: d.name, url: d.url, auth: d.auth, tokenEnv: input.tokenEnv.direct[d.name] ?? null })),
    count: flags.count,
    batches: flags.batches,
    connection: flags.connection,
    load: { batchCount: flags.batchCount, ratePerSec: flags.ratePerSec, duration: flags.duration, stages: flags.stages, ...loadVUs(flags) },
    thresholds: input.thresholds,
    summaryPath: input.summaryPath,
    requestTimeout: `${requestTimeoutSec(perBatchCalls)}s`,
    maxDuration: `${maxDurationSec}s`,
    tokenBroker: input.tokenBroker,
  };
  // The scenario validates it again inside k6; failing here gives the same message before anything starts.
  return validateConfig(JSON.parse(JSON.stringify(config)));
}

/** run.json `config`: what was asked and resolved, no secrets (token env var names only). */
export function recordedConfig(input: {
  flags: RunnerFlags;
  config: ScenarioConfig;
  engine: { choice: string; name: string; reason: string };
  resolved: ResolvedPlatform;
}): Record<string, unknown> {
  const { flags, config } = input;
  return {
    scenario: flags.scenario,
    count: flags.count,
    batches: flags.batches,
    connection: flags.connection,
    ...(flags.scenario === 'load'
      ? { rate: flags.ratePerSec, duration: flags.stages ? null : flags.duration, stages: flags.stages, batchCount: flags.batchCount, preAllocatedVUs: config.load.preAllocatedVUs, maxVUs: config.load.maxVUs }
      : {}),
    thresholds: config.thresholds,
    thresholdFlags: flags.thresholds.map((t) => `${t.metric}=${t.expression}`),
    engine: input.engine,
    outNdjson: flags.outNdjson,
    quiet: flags.quiet,
    pongDelayMs: flags.pongDelayMs,
    requestTimeout: config.requestTimeout,
    maxDuration: config.maxDuration,
    pings: config.pings.map((p) => ({ source: p.source, url: p.url, private: p.tokenEnv !== null })),
    settings: input.resolved.settings,
  };
}
