// k6 options for the embedded engine: duration strings, the script < K6_* env < CLI flag layering,
// validation with zod (errors name the option, the value and what is allowed → exit 104), and the
// scenarios k6 derives from the vus/duration/iterations/stages shortcuts.
import { z } from 'zod';

/** Invalid options: exit code 104, like k6's InvalidConfig. */
export class OptionsError extends Error {
  override name = 'OptionsError';
}

// ---------------------------------------------------------------------------------------------
// Durations

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ns: 1e-6 };

/** Parses a k6 duration ("1m30s", "500ms", "2.5s", "1h"); a number (or numeric string) is milliseconds. */
export function parseDurationMs(value: unknown, what = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new OptionsError(`${what}: ${value} is not a valid duration (use a non-negative number of ms or a string like "30s", "1m30s", "500ms")`);
    return value;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
    const re = /(\d+(?:\.\d+)?)(ms|us|µs|μs|ns|h|m|s)/gy;
    let total = 0;
    let matched = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
      matched = re.lastIndex;
    }
    if (text.length > 0 && matched === text.length && Number.isFinite(total)) return total;
  }
  throw new OptionsError(`${what}: ${JSON.stringify(value)} is not a valid duration (use a string like "30s", "1m30s", "500ms", or a number of ms)`);
}

/** Formats like Go's time.Duration.String(), which k6 prints: "10m30s", "2s", "10m0s", "500ms", "1.5s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${trimNum(ms * 1000)}µs`;
  if (ms < 1000) return `${trimNum(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sText = `${trimNum(s)}s`;
  if (h > 0) return `${h}h${m}m${sText}`;
  if (m > 0) return `${m}m${sText}`;
  return sText;
}

function trimNum(n: number): string {
  return String(Number(n.toFixed(6)));
}

// ---------------------------------------------------------------------------------------------
// Schemas (raw option values as a script, env or flags may give them)

const duration = (what: string) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    try {
      return parseDurationMs(v, what);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a duration like "30s", "1m30s", "500ms" or a number of ms' });
      return z.NEVER;
    }
  });
const nonNegInt = z.number().int().nonnegative();
const posInt = z.number().int().positive();
const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const stage = z.object({ duration: duration('stages[].duration'), target: nonNegInt }).strict();

const common = {
  startTime: duration('startTime').default(0),
  gracefulStop: duration('gracefulStop').default(30_000),
  exec: z.string().min(1).default('default'),
  env: stringMap.default({}),
  tags: stringMap.default({}),
};

export const scenarioSchema = z.discriminatedUnion('executor', [
  z.object({ executor: z.literal('shared-iterations'), vus: posInt.default(1), iterations: posInt.default(1), maxDuration: duration('maxDuration').default(600_000), ...common }).strict(),
  z.object({ executor: z.literal('per-vu-iterations'), vus: posInt.default(1), iterations: posInt.default(1), maxDuration: duration('maxDuration').default(600_000), ...common }).strict(),
  z.object({ executor: z.literal('constant-vus'), vus: posInt.default(1), duration: duration('duration'), ...common }).strict(),
  z.object({ executor: z.literal('ramping-vus'), startVUs: nonNegInt.default(1), stages: z.array(stage).min(1), gracefulRampDown: duration('gracefulRampDown').default(30_000), ...common }).strict(),
  z.object({ executor: z.literal('constant-arrival-rate'), rate: posInt, timeUnit: duration('timeUnit').default(1000), duration: duration('duration'), preAllocatedVUs: nonNegInt, maxVUs: nonNegInt.optional(), ...common }).strict(),
  z.object({ executor: z.literal('ramping-arrival-rate'), startRate: nonNegInt.default(0), timeUnit: duration('timeUnit').default(1000), stages: z.array(stage).min(1), preAllocatedVUs: nonNegInt, maxVUs: nonNegInt.optional(), ...common }).strict(),
]);

export type ScenarioConfig = z.output<typeof scenarioSchema> & { name: string };
export type ExecutorName = ScenarioConfig['executor'];
export const EXECUTORS: readonly ExecutorName[] = ['shared-iterations', 'per-vu-iterations', 'constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate'];

/** The options this engine understands; anything else from the script is named in a warning. */
const optionsSchema = z.object({
  vus: nonNegInt.optional(),
  duration: duration('duration').optional(),
  iterations: nonNegInt.optional(),
  stages: z.array(stage).optional(),
  scenarios: z.record(z.string(), z.unknown()).optional(),
  thresholds: z.record(z.string(), z.unknown()).optional(),
  summaryTrendStats: z.array(z.string().min(1)).optional(),
  summaryTimeUnit: z.enum(['', 's', 'ms', 'us']).optional(),
  setupTimeout: duration('setupTimeout').optional(),
  teardownTimeout: duration('teardownTimeout').optional(),
  tags: stringMap.optional(),
  noThresholds: z.boolean().optional(),
  noSummary: z.boolean().optional(),
});
export type RawOptions = z.input<typeof optionsSchema>;

/**
 * Options the script runtime reads itself (HTTP defaults): accepted silently. Any other option this module
 * does not know is named in a warning, so a user never believes an ignored option took effect.
 */
export const RUNTIME_OPTIONS = new Set(['discardResponseBodies', 'insecureSkipTLSVerify', 'userAgent', 'maxRedirects', 'noConnectionReuse', 'noVUConnectionReuse']);

export interface ResolvedOptions {
  scenarios: ScenarioConfig[];
  thresholds: Record<string, unknown>;
  summaryTrendStats: string[] | undefined;
  summaryTimeUnit: string;
  setupTimeoutMs: number;
  teardownTimeoutMs: number;
  /** Extra tags for every sample (k6 `tags` option). */
  tags: Record<string, string>;
  noThresholds: boolean;
  noSummary: boolean;
  /** Human-readable warnings (unsupported options, ignored shortcuts). */
  warnings: string[];
}

function formatIssues(where: string, error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      let value: unknown = input;
      for (const key of issue.path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
      const shown = value === undefined ? '(missing)' : JSON.stringify(value);
      const allowed = issue.code === 'invalid_union' && path.endsWith('executor') ? ` (allowed: ${EXECUTORS.join(', ')})` : '';
      return `invalid option ${where}${path ? `${where ? '.' : ''}${path}` : ''} = ${shown}: ${issue.message}${allowed}`;
    })
    .join('\n');
}

function parseWith<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new OptionsError(formatIssues(where, result.error, input));
  return result.data;
}

/** Parses a scenario entry; names the scenario and the field in errors. */
export function parseScenario(name: string, raw: unknown): ScenarioConfig {
  if (!/^[a-zA-Z0-9_-]+$/.test(name)) throw new OptionsError(`invalid scenario name ${JSON.stringify(name)}: use letters, digits, "_" and "-"`);
  if (!raw || typeof raw !== 'object') throw new OptionsError(`invalid option scenarios.${name} = ${JSON.stringify(raw)}: expected an object with an "executor"`);
  const executor = (raw as Record<string, unknown>).executor;
  if (typeof executor !== 'string' || !EXECUTORS.includes(executor as ExecutorName)) {
    throw new OptionsError(`invalid option scenarios.${name}.executor = ${JSON.stringify(executor)}: allowed executors are ${EXECUTORS.join(', ')} (externally-controlled is not supported: use real k6)`);
  }
  const parsed = parseWith(scenarioSchema, raw, `scenarios.${name}`);
  const sc = { ...parsed, name } as ScenarioConfig;
  if (sc.executor === 'shared-iterations' && sc.iterations < sc.vus) {
    throw new OptionsError(`invalid scenario ${name}: the number of iterations (${sc.iterations}) can't be lower than the number of VUs (${sc.vus})`);
  }
  // k6 v1.3.0 refuses these below one second ("the duration must be at least 1s, but is 300ms").
  if ((sc.executor === 'constant-vus' || sc.executor === 'constant-arrival-rate') && sc.duration < 1000) {
    throw new OptionsError(`invalid scenario ${name}: the duration must be at least 1s, but is ${formatDuration(sc.duration)}`);
  }
  if ((sc.executor === 'shared-iterations' || sc.executor === 'per-vu-iterations') && sc.maxDuration < 1000) {
    throw new OptionsError(`invalid scenario ${name}: the maxDuration must be at least 1s, but is ${formatDuration(sc.maxDuration)}`);
  }
  if (sc.executor === 'constant-arrival-rate' || sc.executor === 'ramping-arrival-rate') {
    if (sc.timeUnit <= 0) throw new OptionsError(`invalid scenario ${name}: timeUnit must be more than 0`);
    if (sc.maxVUs !== undefined && sc.maxVUs < sc.preAllocatedVUs) {
      throw new OptionsError(`invalid scenario ${name}: maxVUs (${sc.maxVUs}) must be at least preAllocatedVUs (${sc.preAllocatedVUs})`);
    }
    if (Math.max(sc.preAllocatedVUs, sc.maxVUs ?? 0) === 0) throw new OptionsError(`invalid scenario ${name}: preAllocatedVUs or maxVUs must be more than 0`);
  }
  return sc;
}

/** One layer of options: the script's exported options, the K6_* environment, or the CLI flags. */
export type OptionsLayer = Record<string, unknown>;

/** Reads the K6_* environment variables this engine supports into an options layer. */
export function optionsFromEnv(env: Record<string, string | undefined>): OptionsLayer {
  const out: OptionsLayer = {};
  const int = (key: string, name: string) => {
    const v = env[key];
    if (v === undefined || v === '') return;
    if (!/^\d+$/.test(v.trim())) throw new OptionsError(`invalid ${key}=${JSON.stringify(v)}: ${name} must be a non-negative integer`);
    out[name] = Number(v);
  };
  int('K6_VUS', 'vus');
  int('K6_ITERATIONS', 'iterations');
  if (env.K6_DURATION) out.duration = env.K6_DURATION;
  if (env.K6_STAGES) out.stages = parseStagesFlag(env.K6_STAGES, 'K6_STAGES');
  if (env.K6_SUMMARY_TREND_STATS) out.summaryTrendStats = env.K6_SUMMARY_TREND_STATS.split(',').map((s) => s.trim());
  if (env.K6_SUMMARY_TIME_UNIT) out.summaryTimeUnit = env.K6_SUMMARY_TIME_UNIT;
  if (env.K6_SETUP_TIMEOUT) out.setupTimeout = env.K6_SETUP_TIMEOUT;
  if (env.K6_TEARDOWN_TIMEOUT) out.teardownTimeout = env.K6_TEARDOWN_TIMEOUT;
  if (env.K6_NO_THRESHOLDS && env.K6_NO_THRESHOLDS !== 'false') out.noThresholds = true;
  if (env.K6_NO_SUMMARY && env.K6_NO_SUMMARY !== 'false') out.noSummary = true;
  return out;
}

/** Parses k6's `--stage 30s:10,1m:20` syntax (comma-separated or repeated) into stages. */
export function parseStagesFlag(value: string | string[], what = '--stage'): { duration: string; target: number }[] {
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  return parts.map((part) => {
    const m = /^([^:]+):(\d+)$/.exec(part);
    if (!m) throw new OptionsError(`invalid ${what} ${JSON.stringify(part)}: expected DURATION:TARGET, e.g. 30s:10`);
    parseDurationMs(m[1], what);
    return { duration: m[1] ?? '', target: Number(m[2]) };
  });
}

const SHORTCUTS = ['vus', 'duration', 'iterations', 'stages'] as const;

/**
 * Merges the layers (later wins), validates, and derives the scenarios.
 * As in k6, a duration/iterations/stages shortcut from the env or CLI replaces the script's scenarios.
 */
export function resolveOptions(script: OptionsLayer, env: OptionsLayer, cli: OptionsLayer): ResolvedOptions {
  const warnings: string[] = [];
  const unknown = Object.keys(script).filter((k) => !(k in optionsSchema.shape) && !RUNTIME_OPTIONS.has(k));
  if (unknown.length > 0) warnings.push(`the embedded engine ignores these options (use real k6 for them): ${unknown.join(', ')}`);
  const known = (layer: OptionsLayer) => Object.fromEntries(Object.entries(layer).filter(([k, v]) => k in optionsSchema.shape && v !== undefined));
  const s = parseWith(optionsSchema, known(script), '');
  const e = parseWith(optionsSchema, known(env), '');
  const c = parseWith(optionsSchema, known(cli), '');
  const merged = { ...s, ...e, ...c };

  const upperShortcut = [e, c].some((layer) => layer.duration !== undefined || layer.iterations !== undefined || layer.stages !== undefined);
  let scenarios: ScenarioConfig[];
  if (s.scenarios && upperShortcut) warnings.push('"cli" level configuration overrode scenarios configuration entirely');
  if (s.scenarios && !upperShortcut) {
    if (SHORTCUTS.some((k) => s[k] !== undefined) || e.vus !== undefined || c.vus !== undefined) {
      warnings.push('the vus/duration/iterations/stages options are ignored because the script defines scenarios');
    }
    scenarios = Object.entries(s.scenarios).map(([name, raw]) => parseScenario(name, raw));
    if (scenarios.length === 0) throw new OptionsError('invalid option scenarios = {}: define at least one scenario');
  } else {
    const layered = upperShortcut
      ? { vus: c.vus ?? e.vus ?? s.vus, duration: c.duration ?? e.duration, iterations: c.iterations ?? e.iterations, stages: c.stages ?? e.stages }
      : { vus: s.vus, duration: s.duration, iterations: s.iterations, stages: s.stages };
    scenarios = [deriveScenario(layered)];
  }
  return {
    scenarios,
    thresholds: (merged.thresholds ?? {}) as Record<string, unknown>,
    summaryTrendStats: merged.summaryTrendStats,
    summaryTimeUnit: merged.summaryTimeUnit ?? '',
    setupTimeoutMs: merged.setupTimeout ?? 60_000,
    teardownTimeoutMs: merged.teardownTimeout ?? 60_000,
    tags: (merged.tags ?? {}) as Record<string, string>,
    noThresholds: merged.noThresholds ?? false,
    noSummary: merged.noSummary ?? false,
    warnings,
  };
}

/** k6's shortcut rules: iterations → shared-iterations, duration → constant-vus, stages → ramping-vus, else 1 iteration per VU. */
export function deriveScenario(o: { vus?: number | undefined; duration?: number | undefined; iterations?: number | undefined; stages?: { duration: number; target: number }[] | undefined }): ScenarioConfig {
  const vus = o.vus ?? 1;
  const base = { name: 'default', exec: 'default', startTime: 0, gracefulStop: 30_000, env: {}, tags: {} };
  if ((o.iterations !== undefined || o.duration !== undefined || o.stages === undefined) && vus === 0) {
    throw new OptionsError('invalid option vus = 0: at least 1 VU is needed (vus: 0 only makes sense with stages)');
  }
  if (o.iterations !== undefined) {
    if (o.iterations < vus) throw new OptionsError(`invalid options: iterations (${o.iterations}) can't be lower than vus (${vus})`);
    if (o.duration !== undefined && o.duration < 1000) throw new OptionsError(`invalid options: the maxDuration must be at least 1s, but is ${formatDuration(o.duration)}`);
    return { ...base, executor: 'shared-iterations', vus, iterations: o.iterations, maxDuration: o.duration ?? 600_000 };
  }
  if (o.duration !== undefined) {
    if (o.duration < 1000) throw new OptionsError(`invalid options: the duration must be at least 1s, but is ${formatDuration(o.duration)}`);
    return { ...base, executor: 'constant-vus', vus, duration: o.duration };
  }
  if (o.stages !== undefined && o.stages.length > 0) {
    return { ...base, executor: 'ramping-vus', startVUs: vus, stages: o.stages, gracefulRampDown: 30_000 };
  }
  return { ...base, executor: 'per-vu-iterations', vus, iterations: 1, maxDuration: 600_000 };
}

/** Parses `--summary-trend-stats avg,p(99)` and checks each stat is one k6 knows. */
export function parseTrendStats(value: string, what = '--summary-trend-stats'): string[] {
  const stats = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const stat of stats) {
    if (!/^(avg|min|med|max|count|p\(\d+(\.\d+)?\))$/.test(stat)) {
      throw new OptionsError(`invalid ${what} value ${JSON.stringify(stat)}: allowed are avg, min, med, max, count, p(N) e.g. p(99.9)`);
    }
  }
  return stats;
}

/** Time a scenario may last at most, including its graceful stop (for the banner's "max duration"). */
export function scenarioMaxDurationMs(sc: ScenarioConfig): number {
  switch (sc.executor) {
    case 'shared-iterations':
    case 'per-vu-iterations':
      return sc.startTime + sc.maxDuration + sc.gracefulStop;
    case 'constant-vus':
    case 'constant-arrival-rate':
      return sc.startTime + sc.duration + sc.gracefulStop;
    case 'ramping-vus':
      return sc.startTime + sumStages(sc.stages) + sc.gracefulStop;
    case 'ramping-arrival-rate':
      return sc.startTime + sumStages(sc.stages) + sc.gracefulStop;
  }
}

export function sumStages(stages: { duration: number }[]): number {
  return stages.reduce((a, s) => a + s.duration, 0);
}

/** How many VUs a scenario may use at most (banner) and how many it needs from the start (pre-allocated). */
export function scenarioVUs(sc: ScenarioConfig): { initial: number; max: number } {
  switch (sc.executor) {
    case 'shared-iterations':
    case 'per-vu-iterations':
    case 'constant-vus':
      return { initial: sc.vus, max: sc.vus };
    case 'ramping-vus': {
      const max = Math.max(sc.startVUs, ...sc.stages.map((s) => s.target));
      return { initial: max, max };
    }
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return { initial: sc.preAllocatedVUs, max: Math.max(sc.preAllocatedVUs, sc.maxVUs ?? sc.preAllocatedVUs) };
  }
}
