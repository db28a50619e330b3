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

/** Load executor VU sizing: enough for the rate at a few tens of ms per batch, bounded. */
export function loadVUs(flags: RunnerFlags): { preAllocatedVUs: number; maxVUs: number } {
  const peak = flags.stages ? Math.max(...flags.stages.map((s) => s.target), 1) : flags.ratePerSec;
  const maxVUs = flags.maxVUs ?? Math.min(1000, Math.max(10, Math.ceil(peak * 0.2)));
  const preAllocatedVUs = Math.min(maxVUs, Math.max(2, Math.ceil(peak * 0.02)));
  return { preAllocatedVUs, maxVUs };
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
