// k6 thresholds: parsing options.thresholds (short and long form), validating them against metric types,
// and evaluating them against a registry during the run (abortOnFail) and at the end (exit code 99).
import {
  AGGREGATIONS_BY_TYPE,
  MetricError,
  isValidMetricName,
  parseMetricKey,
  parsePercentileAgg,
  type MetricRegistry,
  type MetricType,
} from './metrics.ts';

/** An invalid threshold definition (→ exit 104); the message names the metric, the expression and the fix. */
export class ThresholdConfigError extends Error {
  override name = 'ThresholdConfigError';
}

export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '===' | '==' | '!=';

export interface Threshold {
  /** Metric name or sub-metric key ("http_req_duration{kind:load}"), as written in options.thresholds. */
  metricKey: string;
  /** The expression as written ("p(95)<500"), trimmed. */
  expression: string;
  /** Normalized aggregation: count, rate, value, avg, min, max, med or p(N). */
  aggregation: string;
  operator: ThresholdOperator;
  value: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
  /** The aggregated value compared; null when the metric has no samples (k6 does not evaluate it then). */
  observed: number | null;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}
export interface ThresholdEvaluation {
  results: ThresholdResult[];
  /** Metric keys with at least one crossed threshold, sorted. */
  crossedMetrics: string[];
  /** True when an abortOnFail threshold failed past its delayAbortEval (only when final=false). */
  abort: boolean;
}

const EXPRESSION_RE =
  /^\s*(count|rate|value|avg|min|max|med|p\(\s*[^)]*\))\s*(<=|>=|===|==|!=|<|>)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;
const EXAMPLE = 'e.g. "p(95)<500", "rate<0.01", "count>10", "avg<=200"';

/** Parses one expression "<aggregation> <operator> <number>"; `where` names the metric for errors. */
export function parseThresholdExpression(expression: string, where: string): Pick<Threshold, 'aggregation' | 'operator' | 'value'> {
  const m = EXPRESSION_RE.exec(expression);
  if (!m) {
    throw new ThresholdConfigError(
      `invalid threshold "${expression}" on metric "${where}": expected "<aggregation> <operator> <number>" with aggregation count, rate, value, avg, min, max, med or p(N) and operator <, <=, >, >=, ==, ===, != (${EXAMPLE})`,
    );
  }
  let aggregation = m[1]!;
  if (aggregation.startsWith('p(')) {
    const p = parsePercentileAgg(aggregation);
    if (p === null) {
      throw new ThresholdConfigError(
        `invalid threshold "${expression}" on metric "${where}": "${aggregation}" is not a percentile; use p(N) with N a number from 0 to 100, e.g. p(99.9)`,
      );
    }
    aggregation = `p(${p})`;
  }
  return { aggregation, operator: m[2] as ThresholdOperator, value: Number(m[3]) };
}

/**
 * The aggregation an expression reads, as k6 names the summary value: "p(95)<20" → "p(95)", "p( 99.9 ) < 1" →
 * "p(99.9)", "rate<0.01" → "rate". One reading for the engine, the runner's merging of --threshold over the
 * defaults, its verdicts and junit.xml. Lenient: a malformed expression gives its leading word (or itself).
 */
export function aggregationOf(expression: string): string {
  try {
    return parseThresholdExpression(expression, '').aggregation;
  } catch {
    const m = /^\s*([a-z]+(?:\(\s*[\d.]+\s*\))?)/i.exec(expression);
    return m?.[1]?.replace(/\s+/g, '') ?? expression;
  }
}

const DURATION_UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** k6/Go duration ("10s", "1m30s", "1.5s", "250ms"; a bare string number needs a unit) or a number of ms → ms; null when invalid. */
export function parseDurationMs(input: unknown): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : null;
  if (typeof input !== 'string') return null;
  const text = input.trim();
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed > 0 && consumed === text.length ? total : null;
}

/** Whether an aggregation may be read from a metric of this type (k6 rules). */
export function aggregationAllowed(type: MetricType, aggregation: string): boolean {
  const allowed = AGGREGATIONS_BY_TYPE[type];
  return allowed.includes(aggregation) || (allowed.includes('p(N)') && parsePercentileAgg(aggregation) !== null);
}

function compare(observed: number, op: ThresholdOperator, value: number): boolean {
  switch (op) {
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '==':
    case '===':
      return observed === value;
    case '!=':
      return observed !== value;
  }
}

export class ThresholdSet {
  private readonly byKey = new Map<string, Threshold[]>();

  /** Thresholds in definition order; `keys` adds metric keys without thresholds (empty arrays). */
  constructor(thresholds: Threshold[] = [], keys: string[] = []) {
    for (const key of keys) this.byKey.set(key, []);
    for (const t of thresholds) {
      const list = this.byKey.get(t.metricKey) ?? [];
      list.push(t);
      this.byKey.set(t.metricKey, list);
    }
  }

  /** Every threshold, grouped by metric key in definition order. */
  all(): Threshold[] {
    return [...this.byKey.values()].flat();
  }

  /** Metric keys (incl. sub-metric keys) that thresholds name: the engine declares these sub-metrics. */
  metricKeys(): string[] {
    return [...this.byKey.keys()];
  }

  /** Thresholds on a metric key, as strings, for `--out json` Metric lines. */
  expressionsFor(key: string): string[] {
    return (this.byKey.get(key) ?? []).map((t) => t.expression);
  }

  /** Declares every threshold sub-metric in the registry (the metric itself may be defined later). */
  declare(registry: MetricRegistry): void {
    for (const key of this.byKey.keys()) {
      if (key.includes('{')) registry.addSubmetric(key);
    }
  }

  /**
   * Checks every threshold against the registry's metrics: the metric must exist (call after the init
   * context defined custom metrics and the built-ins are defined) and the aggregation must suit its type.
   */
  validate(registry: MetricRegistry, opts: { requireDefined?: boolean } = {}): void {
    const requireDefined = opts.requireDefined ?? true;
    for (const [key, list] of this.byKey) {
      const name = parseMetricKey(key).name;
      const metric = registry.get(name);
      if (!metric) {
        if (!requireDefined) continue;
        throw new ThresholdConfigError(
          `invalid threshold on metric "${key}": no metric named "${name}" is defined; check the name, or create it in the init context (new Trend('${name}'))`,
        );
      }
      for (const t of list) {
        if (!aggregationAllowed(metric.type, t.aggregation)) {
          throw new ThresholdConfigError(
            `invalid threshold "${t.expression}" on metric "${key}": aggregation "${t.aggregation}" is not supported by a ${metric.type} metric; use ${AGGREGATIONS_BY_TYPE[metric.type].join(', ')}`,
          );
        }
      }
    }
  }

  /** final=false during the run (abortOnFail honours delayAbortEval against elapsedMs); final=true at the end. */
  evaluate(registry: MetricRegistry, opts: { elapsedMs: number; final: boolean }): ThresholdEvaluation {
    const results: ThresholdResult[] = [];
    const crossed = new Set<string>();
    let abort = false;
    for (const [key, list] of this.byKey) {
      const found = registry.lookup(key);
      for (const t of list) {
        let observed: number | null = null;
        let ok = true;
        if (found && found.sink.samples > 0) {
          try {
            observed = found.sink.aggregate(t.aggregation, opts.elapsedMs);
            ok = compare(observed, t.operator, t.value);
          } catch {
            // An aggregation the metric type lacks (validate() was skipped): a failed threshold, not a crash.
            ok = false;
          }
        }
        if (!ok) {
          crossed.add(key);
          if (t.abortOnFail && !opts.final && opts.elapsedMs >= t.delayAbortEvalMs) abort = true;
        }
        results.push({
          metric: key,
          expression: t.expression,
          ok,
          observed,
          abortOnFail: t.abortOnFail,
          delayAbortEvalMs: t.delayAbortEvalMs,
        });
      }
    }
    return { results, crossedMetrics: [...crossed].sort(), abort };
  }
}

/** The error line k6 prints when thresholds fail: "thresholds on metrics 'a, b' have been crossed". */
export function crossedMessage(crossedMetrics: readonly string[]): string {
  return `thresholds on metrics '${crossedMetrics.join(', ')}' have been crossed`;
}


function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses options.thresholds (short strings and long form {threshold, abortOnFail, delayAbortEval}). Empty
 * arrays are allowed: they only declare the sub-metric (so it shows in the summary). With a registry, the
 * sub-metrics are declared and aggregations are checked for metrics already defined; call
 * `set.validate(registry)` once all metrics exist to reject unknown metric names.
 */
export function parseThresholds(input: unknown, registry?: MetricRegistry): ThresholdSet {
  if (input === undefined || input === null) return new ThresholdSet();
  if (!isPlainObject(input)) {
    throw new ThresholdConfigError(
      `invalid options.thresholds: expected an object mapping metric names to arrays of expressions, e.g. { http_req_duration: ['p(95)<500'] }`,
    );
  }
  const thresholds: Threshold[] = [];
  const keys: string[] = [];
  for (const [rawKey, spec] of Object.entries(input)) {
    let key: string;
    try {
      const parsed = parseMetricKey(rawKey);
      if (!isValidMetricName(parsed.name)) {
        throw new MetricError(`"${parsed.name}" is not a valid metric name (1 to 128 letters, digits or "_", not starting with a digit)`);
      }
      key = parsed.suffix === null ? parsed.name : `${parsed.name}{${parsed.suffix}}`;
    } catch (err) {
      if (err instanceof MetricError) throw new ThresholdConfigError(`invalid threshold metric "${rawKey}": ${err.message}`);
      throw err;
    }
    keys.push(key);
    if (!Array.isArray(spec)) {
      throw new ThresholdConfigError(
        `invalid thresholds for metric "${key}": expected an array of expressions, e.g. ["p(95)<500"] (got ${JSON.stringify(spec)})`,
      );
    }
    for (const item of spec as unknown[]) {
      let expression: unknown = item;
      let abortOnFail = false;
      let delayAbortEvalMs = 0;
      if (isPlainObject(item)) {
        // Other fields are ignored, as k6 v1.3.0 ignores them (a misspelt abortOnFail runs without it).
        expression = item.threshold;
        if (typeof expression !== 'string') {
          throw new ThresholdConfigError(
            `invalid threshold on metric "${key}": the long form needs a "threshold" string, e.g. { threshold: "p(95)<500", abortOnFail: true }`,
          );
        }
        if (item.abortOnFail !== undefined) {
          if (typeof item.abortOnFail !== 'boolean') {
            throw new ThresholdConfigError(
              `invalid threshold "${expression}" on metric "${key}": abortOnFail must be true or false (got ${JSON.stringify(item.abortOnFail)})`,
            );
          }
          abortOnFail = item.abortOnFail;
        }
        if (item.delayAbortEval !== undefined) {
          const ms = parseDurationMs(item.delayAbortEval);
          if (ms === null) {
            throw new ThresholdConfigError(
              `invalid threshold "${expression}" on metric "${key}": delayAbortEval ${JSON.stringify(item.delayAbortEval)} is not a duration; use e.g. "10s", "1m30s" or "500ms"`,
            );
          }
          delayAbortEvalMs = ms;
        }
      } else if (typeof item !== 'string') {
        throw new ThresholdConfigError(
          `invalid threshold on metric "${key}": expected a string like "p(95)<500" or { threshold, abortOnFail, delayAbortEval } (got ${JSON.stringify(item)})`,
        );
      }
      const text = (expression as string).trim();
      thresholds.push({ metricKey: key, expression: text, ...parseThresholdExpression(text, key), abortOnFail, delayAbortEvalMs });
    }
  }
  const set = new ThresholdSet(thresholds, keys);
  if (registry) {
    set.declare(registry);
    set.validate(registry, { requireDefined: false });
  }
  return set;
}
