// The runner's flags, declared as data (name, type, default, help) and parsed once: `--help` is generated
// from the same table, a bad value names the flag, the value and what is allowed (one line), and a flag that
// does not apply to the chosen scenario gives a warning naming both.
import { FlagError, parseFlags } from '../flags/flags.ts';
import type { PlatformName } from '../platforms/types.ts';
import { SCENARIO_METRICS } from '../contract/metrics.ts';
import { BUILTIN_METRICS, type MetricType } from '../results/metrics.ts';
import { parseRunThresholdFlag, type ThresholdFlag } from './thresholds.ts';
import type { EngineChoice } from './engine.ts';
import { inGitHubActions } from '../results/annotations.ts';
import type { StageConfig } from '../../scenarios/lib/config.ts';

export { FlagError };

export const PLATFORMS: readonly PlatformName[] = ['local', 'cloudrun', 'gke', 'cross'];
export const SCENARIOS = ['probe', 'load', 'direct'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Every metric a scenario run has: the contract's and k6's own. A --threshold must name one of them. */
export const RUN_METRICS: Readonly<Record<string, MetricType>> = {
  ...Object.fromEntries(BUILTIN_METRICS.map(([name, type]) => [name, type])),
  ...SCENARIO_METRICS,
};

interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  default?: string;
  /** Shown in --help. */
  help: string;
  short?: string;
  /** The scenarios it applies to (all when absent): given for another one, it is ignored with a warning. */
  scenarios?: readonly Scenario[];
}

export const FLAG_SPECS = {
  scenario: { type: 'string', default: 'probe', help: 'probe | load | direct' },
  count: { type: 'string', default: '1000', help: 'inner calls per ping batch (probe) or per target (direct)', scenarios: ['probe', 'direct'] },
  batches: { type: 'string', default: '1', help: 'batches per pair (probe) / per target (direct): samples the first call N times', scenarios: ['probe', 'direct'] },
  connection: { type: 'string', default: 'reuse', help: 'reuse | new: keep-alive between inner calls, or a new connection each' },
  rate: { type: 'string', default: '100', help: 'load: ping requests (iterations) per second, all pairs together', scenarios: ['load'] },
  duration: { type: 'string', default: '30s', help: 'load: how long the constant rate lasts (k6 duration)', scenarios: ['load'] },
  stages: { type: 'string', help: 'load: ramping-arrival-rate stages "30s:100,1m:500,30s:0" (duration:rate), instead of --rate/--duration', scenarios: ['load'] },
  'batch-count': { type: 'string', default: '10', help: 'load: inner calls per ping request', scenarios: ['load'] },
  'max-vus': { type: 'string', help: 'load: VU cap for the arrival-rate executor (default: ⌈peak rate × (25 ms + 5 ms × batch count) × 4⌉, at least 10, at most 5000)', scenarios: ['load'] },
  repeat: { type: 'string', default: '1', help: 'run the scenario N times in a row (each its own run folder, one group id): run-to-run variation for npm run compare' },
  threshold: { type: 'string', multiple: true, help: "add/override a threshold, repeatable: 's2s_latency_ms{target:pong-sec}=p(95)<20'" },
  engine: { type: 'string', default: 'auto', help: 'auto | k6 | embedded (auto = k6 if on PATH or K6_BIN, else embedded)' },
  'out-ndjson': { type: 'boolean', help: 'write metrics.ndjson.gz (on by default for every scenario: CDFs, CIs and time series need it)' },
  'no-out-ndjson': { type: 'boolean', help: 'do not write metrics.ndjson.gz (a long load run: summary only, no over-time plot or CI)' },
  'results-dir': { type: 'string', default: 'results', help: 'where run folders go' },
  'pong-delay-ms': { type: 'string', help: 'local only: delay every pong answer by this many ms (regression tests)' },
  dashboard: { type: 'boolean', help: 'live web dashboard while the run lasts (k6\'s K6_WEB_DASHBOARD_HOST/_PORT/_PERIOD/_OPEN/_EXPORT apply; default http://127.0.0.1:5665)' },
  'platform-file': { type: 'string', help: 'local only: use the running platform `npm run -s platform:local -- --json > FILE` described, instead of starting one' },
  quiet: { type: 'boolean', short: 'q', help: 'no engine progress, just the table and verdicts' },
  'github-annotations': { type: 'boolean', help: 'print ::error lines for crossed thresholds (on by default under GitHub Actions)' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
} as const satisfies Record<string, FlagSpec>;

export interface RunnerFlags {
  platform: PlatformName;
  scenario: (typeof SCENARIOS)[number];
  count: number;
  batches: number;
  connection: 'reuse' | 'new';
  ratePerSec: number;
  duration: string;
  stages: StageConfig[] | null;
  batchCount: number;
  maxVUs: number | null;
  thresholds: ThresholdFlag[];
  /** Runs in a row (each with its own platform start and run folder), sharing a group id. */
  repeat: number;
  engine: EngineChoice;
  outNdjson: boolean;
  resultsDir: string;
  pongDelayMs: number | null;
  /** Serve the live dashboard (every run exports dashboard.html either way). */
  dashboard: boolean;
  /** A running local platform's description (platform:local --json) to use instead of starting one. */
  platformFile: string | null;
  quiet: boolean;
  /** Print GitHub workflow commands for crossed thresholds. */
  githubAnnotations: boolean;
  /** Flags given that do not apply to this scenario: one line each, to print before the run. */
  warnings: string[];
}

const DURATION_RE = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/** k6 duration → seconds ("1m30s" → 90). */
export function durationSec(value: string): number {
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n / 1000 : m[2] === 's' ? n : m[2] === 'm' ? n * 60 : n * 3600;
  }
  return total;
}

function intFlag(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new FlagError(`--${name} ${JSON.stringify(raw)}: must be an integer in ${min}..${max}.`);
  }
  return n;
}

function numFlag(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new FlagError(`--${name} ${JSON.stringify(raw)}: must be a number in ${min}..${max}.`);
  }
  return n;
}

/** Defaults are applied here, not by the parser, so "given" means the user wrote it. */
const PARSER_OPTIONS = Object.fromEntries(
  Object.entries(FLAG_SPECS).map(([name, spec]) => {
    const s = spec as FlagSpec;
    return [name, { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) }];
  }),
) as { [K in keyof typeof FLAG_SPECS]: { type: (typeof FLAG_SPECS)[K]['type']; multiple?: boolean; short?: string } };

/** A warning per given flag the scenario does not use (it is ignored): `--count` with `--scenario load`. */
function notApplying(given: ReadonlySet<string>, scenario: Scenario): string[] {
  const warnings: string[] = [];
  for (const name of given) {
    const only = (FLAG_SPECS as Record<string, FlagSpec>)[name]?.scenarios;
    if (only && !only.includes(scenario)) warnings.push(`--${name} does not apply to --scenario ${scenario} (only to ${only.join(', ')}); ignored.`);
  }
  if (scenario === 'load' && given.has('stages')) {
    for (const name of ['rate', 'duration']) if (given.has(name)) warnings.push(`--${name} does not apply with --stages (the stages set the rate over time); ignored.`);
  }
  return warnings;
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!allowed.includes(raw as T)) throw new FlagError(`--${name} ${JSON.stringify(raw)}: must be one of ${allowed.join(', ')}.`);
  return raw as T;
}

function durationFlag(name: string, raw: string): string {
  if (!DURATION_RE.test(raw) || durationSec(raw) <= 0) throw new FlagError(`--${name} ${JSON.stringify(raw)}: must be a k6 duration like 30s, 3m or 1m30s.`);
  return raw;
}

export function parseStages(raw: string): StageConfig[] {
  const stages = raw.split(',').map((part) => {
    const [duration, target, extra] = part.trim().split(':');
    if (duration === undefined || target === undefined || extra !== undefined || !DURATION_RE.test(duration) || !/^\d+(\.\d+)?$/.test(target)) {
      throw new FlagError(`--stages ${JSON.stringify(raw)}: stage ${JSON.stringify(part.trim())} must be <duration>:<rate>, e.g. "30s:100,1m:500,30s:0".`);
    }
    return { duration, target: Number(target) };
  });
  return stages;
}

export function helpText(): string {
  const rows = Object.entries(FLAG_SPECS).map(([name, spec]) => {
    const s = spec as FlagSpec;
    const left = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'string' ? ' <value>' : ''}`;
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    return `  ${left.padEnd(30)} ${s.help}${def}`;
  });
  return [
    'Usage: npm run scenario:<local|cloudrun|gke|cross> -- [flags]',
    '       s2s scenario <local|cloudrun|gke|cross> [flags]',
    '',
    'Runs a scenario against a platform, gates on thresholds and writes results/<stamp>_<platform>_<scenario>/.',
    'Exit codes (README, "Exit codes"): 0 every threshold passed, 99 a threshold crossed, 2 bad flags or a platform',
    'that is not deployed, 130 interrupted (Ctrl-C); otherwise the engine\'s: 104 invalid options, 107 script error,',
    '108 aborted by the script; 1 a tool failure.',
    '',
    'Flags:',
    ...rows,
    '',
    'Environment: K6_BIN (k6 executable for --engine auto|k6); K6_WEB_DASHBOARD=true (same as --dashboard),',
    'K6_WEB_DASHBOARD_HOST (127.0.0.1), _PORT (5665; 0 = any free port), _PERIOD (fits the run), _OPEN (false),',
    '_EXPORT (a copy of the run folder\'s dashboard.html), as in k6.',
  ].join('\n');
}

function ndjsonFlag(on: boolean | undefined, off: boolean | undefined): boolean {
  if (on && off) throw new FlagError('--out-ndjson and --no-out-ndjson contradict each other: give one.');
  return !off;
}

/** Parses argv (platform first). Returns null for --help. Throws FlagError (one line). */
export function parseRunnerFlags(argv: readonly string[]): RunnerFlags | null {
  const parsed = parseFlags(argv, PARSER_OPTIONS, { positionals: Number.POSITIVE_INFINITY });
  const given = new Set(Object.keys(parsed.values));
  const v = { ...Object.fromEntries(Object.entries(FLAG_SPECS).flatMap(([name, spec]) => ((spec as FlagSpec).default === undefined ? [] : [[name, (spec as FlagSpec).default]]))), ...parsed.values } as {
    [K in keyof typeof FLAG_SPECS]: (typeof FLAG_SPECS)[K] extends { default: string } ? string : (typeof FLAG_SPECS)[K] extends { multiple: true } ? string[] | undefined : (typeof FLAG_SPECS)[K]['type'] extends 'boolean' ? boolean | undefined : string | undefined;
  };
  if (v.help) return null;
  const [platformRaw, ...extra] = parsed.positionals;
  if (platformRaw === undefined) throw new FlagError(`missing platform: one of ${PLATFORMS.join(', ')} (npm run scenario:local).`);
  if (extra.length > 0) throw new FlagError(`unexpected argument(s) ${extra.map((e) => JSON.stringify(e)).join(' ')}. Flags go after "--" with npm: npm run scenario:local -- --count 100.`);
  if (!PLATFORMS.includes(platformRaw as PlatformName)) throw new FlagError(`platform ${JSON.stringify(platformRaw)}: must be one of ${PLATFORMS.join(', ')}.`);
  const platform = platformRaw as PlatformName;
  const ratePerSec = numFlag('rate', v.rate, 0.001, 100_000);
  const pongDelayMs = v['pong-delay-ms'] === undefined ? null : numFlag('pong-delay-ms', v['pong-delay-ms'], 0, 10_000);
  if (pongDelayMs !== null && platform !== 'local') throw new FlagError(`--pong-delay-ms works on the local platform only (got platform ${platform}).`);
  const platformFile = v['platform-file'] ?? null;
  if (platformFile !== null && platform !== 'local') throw new FlagError(`--platform-file works on the local platform only (got platform ${platform}).`);
  if (platformFile !== null && pongDelayMs !== null) throw new FlagError('--pong-delay-ms does not apply with --platform-file: the running platform keeps its own delay; start it with npm run platform:local -- --pong-delay-ms N.');
  const scenario = oneOf('scenario', v.scenario, SCENARIOS);
  return {
    platform,
    scenario,
    count: intFlag('count', v.count, 1, 10_000_000),
    batches: intFlag('batches', v.batches, 1, 100_000),
    connection: oneOf('connection', v.connection, ['reuse', 'new'] as const),
    ratePerSec,
    duration: durationFlag('duration', v.duration),
    stages: v.stages === undefined ? null : parseStages(v.stages),
    batchCount: intFlag('batch-count', v['batch-count'], 1, 100_000),
    maxVUs: v['max-vus'] === undefined ? null : intFlag('max-vus', v['max-vus'], 1, 100_000),
    thresholds: (v.threshold ?? []).map((t) => parseRunThresholdFlag(t, RUN_METRICS)),
    repeat: intFlag('repeat', v.repeat, 1, 1000),
    engine: oneOf('engine', v.engine, ['auto', 'k6', 'embedded'] as const),
    outNdjson: ndjsonFlag(v['out-ndjson'], v['no-out-ndjson']),
    resultsDir: v['results-dir'],
    pongDelayMs,
    dashboard: v.dashboard ?? false,
    platformFile,
    quiet: v.quiet ?? false,
    githubAnnotations: v['github-annotations'] ?? inGitHubActions(),
    warnings: notApplying(given, scenario),
  };
}
