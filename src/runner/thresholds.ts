// `--threshold 'metric{tag:v}=p(95)<20'`: parsing the flag (with the one threshold expression parser,
// src/results/thresholds.ts) and merging it over the platform defaults. Same metric key + same aggregation
// replaces the default; anything else is added.
import { FlagError } from '../flags/flags.ts';
import { aggregationAllowed, aggregationOf, parseThresholdExpression } from '../results/thresholds.ts';
import { AGGREGATIONS_BY_TYPE, type MetricType } from '../results/metrics.ts';

export class ThresholdFlagError extends FlagError {
  constructor(value: string, reason: string) {
    super(`--threshold ${JSON.stringify(value)}: ${reason}. Expected metric[{tag:value,...}]=<aggregation><op><number>, e.g. 's2s_latency_ms{target:pong-sec}=p(95)<20'.`);
    this.name = 'ThresholdFlagError';
  }
}

export interface ThresholdFlag {
  /** Metric or sub-metric key, normalised: `name` or `name{k:v,k2:v2}` without spaces. */
  metric: string;
  /** k6 expression, normalised without spaces, e.g. `p(95)<20`. */
  expression: string;
}

const KEY_RE = /^([A-Za-z_][A-Za-z0-9_]*)(\{([^{}]*)\})?$/;

function normaliseKey(raw: string, flag: string): { key: string; name: string } {
  const m = KEY_RE.exec(raw.trim());
  if (!m) throw new ThresholdFlagError(flag, `"${raw}" is not a metric name or name{tag:value}`);
  const name = m[1] as string;
  if (m[2] === undefined) return { key: name, name };
  const tags = (m[3] ?? '').split(',').map((pair) => {
    const idx = pair.indexOf(':');
    const k = pair.slice(0, idx).trim();
    const v = pair.slice(idx + 1).trim();
    if (idx <= 0 || k === '' || v === '') throw new ThresholdFlagError(flag, `tag filter "${pair.trim()}" is not tag:value`);
    return `${k}:${v}`;
  });
  return { key: `${name}{${tags.join(',')}}`, name };
}

/** Parses one --threshold value (any metric name: see checkThresholdMetric for a run's own metrics). */
export function parseThresholdFlag(flag: string): ThresholdFlag {
  return parseWithName(flag).parsed;
}

function parseWithName(flag: string): { parsed: ThresholdFlag; name: string; aggregation: string } {
  // The key ends at the first '=' after the tag filter (if any), so '<=' / '==' in the expression are safe.
  const close = flag.indexOf('}');
  const eq = flag.indexOf('=', close === -1 ? 0 : close);
  if (eq <= 0) throw new ThresholdFlagError(flag, 'no "=" between the metric and the expression');
  const { key, name } = normaliseKey(flag.slice(0, eq), flag);
  const expression = flag.slice(eq + 1).replace(/\s+/g, '');
  let aggregation: string;
  try {
    aggregation = parseThresholdExpression(expression, key).aggregation;
  } catch {
    throw new ThresholdFlagError(flag, `"${flag.slice(eq + 1)}" is not an expression like p(95)<20, avg<10, rate<0.01 or count>100 (a percentile is p(N) with N from 0 to 100)`);
  }
  return { parsed: { metric: key, expression }, name, aggregation };
}

/**
 * Parses one --threshold value and checks it against the metrics a run will have (name → type): the metric
 * must be one of them and the aggregation one its type has — before anything starts, as k6 checks at start.
 */
export function parseRunThresholdFlag(flag: string, metrics: Readonly<Record<string, MetricType>>): ThresholdFlag {
  const { parsed, name, aggregation } = parseWithName(flag);
  const type = metrics[name];
  if (type === undefined) throw new ThresholdFlagError(flag, `no metric "${name}" in this run; the scenario metrics are ${Object.keys(metrics).filter((m) => m.startsWith('s2s_')).join(', ')}, plus k6's own (http_req_duration, checks, …)`);
  if (!aggregationAllowed(type, aggregation)) throw new ThresholdFlagError(flag, `"${name}" is a ${type}: its aggregations are ${AGGREGATIONS_BY_TYPE[type].join(', ')}, not ${aggregation}`);
  return parsed;
}

/** The aggregation an expression tests: `p(95)<20` → `p(95)` (one definition, in src/results/thresholds.ts). */
export { aggregationOf };

/** Defaults overlaid with flags: same key + same aggregation replaces, otherwise appends. Inputs untouched. */
export function mergeThresholds(
  defaults: Readonly<Record<string, readonly string[]>>,
  flags: readonly ThresholdFlag[],
): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(defaults)) merged[k] = [...v];
  for (const { metric, expression } of flags) {
    const list = merged[metric] ?? [];
    const agg = aggregationOf(expression);
    const idx = list.findIndex((e) => aggregationOf(e) === agg);
    if (idx === -1) list.push(expression);
    else list[idx] = expression;
    merged[metric] = list;
  }
  return merged;
}
