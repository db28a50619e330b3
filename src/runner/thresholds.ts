// `--threshold 'metric{tag:v}=p(95)<20'`: parsing the flag and merging it over the platform defaults.
// Same metric key + same aggregation replaces the default; anything else is added.
import { aggregationOf } from '../results/junit.ts';

export class ThresholdFlagError extends Error {
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
const EXPR_RE = /^(avg|min|max|med|count|rate|value|p\((\d+(\.\d+)?)\))(<=|>=|===|==|!=|<|>)(-?\d+(\.\d+)?)$/;

function normaliseKey(raw: string, flag: string): string {
  const m = KEY_RE.exec(raw.trim());
  if (!m) throw new ThresholdFlagError(flag, `"${raw}" is not a metric name or name{tag:value}`);
  const name = m[1] as string;
  if (m[2] === undefined) return name;
  const tags = (m[3] ?? '').split(',').map((pair) => {
    const idx = pair.indexOf(':');
    const k = pair.slice(0, idx).trim();
    const v = pair.slice(idx + 1).trim();
    if (idx <= 0 || k === '' || v === '') throw new ThresholdFlagError(flag, `tag filter "${pair.trim()}" is not tag:value`);
    return `${k}:${v}`;
  });
  return `${name}{${tags.join(',')}}`;
}

/** Parses one --threshold value. */
export function parseThresholdFlag(flag: string): ThresholdFlag {
  // The key ends at the first '=' after the tag filter (if any), so '<=' / '==' in the expression are safe.
  const close = flag.indexOf('}');
  const eq = flag.indexOf('=', close === -1 ? 0 : close);
  if (eq <= 0) throw new ThresholdFlagError(flag, 'no "=" between the metric and the expression');
  const metric = normaliseKey(flag.slice(0, eq), flag);
  const expression = flag.slice(eq + 1).replace(/\s+/g, '');
  const m = EXPR_RE.exec(expression);
  if (!m) throw new ThresholdFlagError(flag, `"${flag.slice(eq + 1)}" is not an expression like p(95)<20, avg<10, rate<0.01 or count>100`);
  const pct = m[2] === undefined ? null : Number(m[2]);
  if (pct !== null && (pct < 0 || pct > 100)) throw new ThresholdFlagError(flag, `percentile ${pct} is outside 0..100`);
  return { metric, expression };
}

/** The aggregation an expression tests: `p(95)<20` → `p(95)` (shared with junit.xml). */
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
