// The runner's flags, declared as data (name, type, default, help) and parsed once: `--help` is generated
// from the same table, and a bad value names the flag, the value and what is allowed.
import { parseArgs } from 'node:util';
import type { PlatformName } from '../platforms/types.ts';
import { parseThresholdFlag, type ThresholdFlag } from './thresholds.ts';
import type { EngineChoice } from './engine.ts';
import { inGitHubActions } from '../results/annotations.ts';
import type { StageConfig } from '../../scenarios/lib/config.ts';

export const PLATFORMS: readonly PlatformName[] = ['local', 'cloudrun', 'gke', 'cross'];
export const SCENARIOS = ['probe', 'load', 'direct'] as const;

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  default?: string;
  /** Shown in --help. */
  help: string;
  short?: string;
}

export const FLAG_SPECS = {
  scenario: { type: 'string', default: 'probe', help: 'probe | load | direct' },
  count: { type: 'string', default: '1000', help: 'inner calls per ping batch (probe) or per target (direct)' },
  batches: { type: 'string', default: '1', help: 'batches per pair (probe) / per target (direct): samples the first call N times' },
  connection: { type: 'string', default: 'reuse', help: 'reuse | new: keep-alive between inner calls, or a new connection each' },
  rate: { type: 'string', default: '100', help: 'load: ping requests (iterations) per second, all pairs together' },
  duration: { type: 'string', default: '30s', help: 'load: how long the constant rate lasts (k6 duration)' },
  stages: { type: 'string', help: 'load: ramping-arrival-rate stages "30s:100,1m:500,30s:0" (duration:rate), instead of --rate/--duration' },
  'batch-count': { type: 'string', default: '10', help: 'load: inner calls per ping request' },
  'max-vus': { type: 'string', help: 'load: VU cap for the arrival-rate executor (default: 4 × rate, at most 1000)' },
  repeat: { type: 'string', default: '1', help: 'run the scenario N times in a row (each its own run folder, one group id): run-to-run variation for npm run compare' },
  threshold: { type: 'string', multiple: true, help: "add/override a threshold, repeatable: 's2s_latency_ms{target:pong-sec}=p(95)<20'" },
  engine: { type: 'string', default: 'auto', help: 'auto | k6 | embedded (auto = k6 if on PATH or K6_BIN, else embedded)' },
  'out-ndjson': { type: 'boolean', help: 'write metrics.ndjson.gz (on by default for every scenario: CDFs, CIs and time series need it)' },
  'no-out-ndjson': { type: 'boolean', help: 'do not write metrics.ndjson.gz (a long load run: summary only, no over-time plot or CI)' },
  'results-dir': { type: 'string', default: 'results', help: 'where run folders go' },
  'pong-delay-ms': { type: 'string', help: 'local only: delay every pong answer by this many ms (regression tests)' },
  dashboard: { type: 'boolean', help: 'live web dashboard while the run lasts (k6\'s K6_WEB_DASHBOARD_HOST/_PORT/_PERIOD/_OPEN/_EXPORT apply; default http://127.0.0.1:5665)' },
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
  quiet: boolean;
  /** Print GitHub workflow commands for crossed thresholds. */
  githubAnnotations: boolean;
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
    'Exit code: the engine\'s (0 pass, 99 thresholds crossed, 104 invalid options, 107 script error, 108 aborted);',
    '2 for bad flags or a platform that is not deployed.',
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

/** Parses argv (platform first). Returns null for --help. */
export function parseRunnerFlags(argv: readonly string[]): RunnerFlags | null {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: FLAG_SPECS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new FlagError(`${(err as Error).message}. Run with --help for the flags.`);
  }
  const v = parsed.values;
  if (v.help) return null;
  const [platformRaw, ...extra] = parsed.positionals;
  if (platformRaw === undefined) throw new FlagError(`missing platform: one of ${PLATFORMS.join(', ')} (npm run scenario:local).`);
  if (extra.length > 0) throw new FlagError(`unexpected argument(s) ${extra.map((e) => JSON.stringify(e)).join(' ')}. Flags go after "--" with npm: npm run scenario:local -- --count 100.`);
  if (!PLATFORMS.includes(platformRaw as PlatformName)) throw new FlagError(`platform ${JSON.stringify(platformRaw)}: must be one of ${PLATFORMS.join(', ')}.`);
  const platform = platformRaw as PlatformName;
  const ratePerSec = numFlag('rate', v.rate, 0.001, 100_000);
  const pongDelayMs = v['pong-delay-ms'] === undefined ? null : numFlag('pong-delay-ms', v['pong-delay-ms'], 0, 10_000);
  if (pongDelayMs !== null && platform !== 'local') throw new FlagError(`--pong-delay-ms works on the local platform only (got platform ${platform}).`);
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
    thresholds: (v.threshold ?? []).map((t) => {
      try {
        return parseThresholdFlag(t);
      } catch (err) {
        throw new FlagError((err as Error).message);
      }
    }),
    repeat: intFlag('repeat', v.repeat, 1, 1000),
    engine: oneOf('engine', v.engine, ['auto', 'k6', 'embedded'] as const),
    outNdjson: ndjsonFlag(v['out-ndjson'], v['no-out-ndjson']),
    resultsDir: v['results-dir'],
    pongDelayMs,
    dashboard: v.dashboard ?? false,
    quiet: v.quiet ?? false,
    githubAnnotations: v['github-annotations'] ?? inGitHubActions(),
  };
}
