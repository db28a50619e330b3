// Threshold verdicts read back from k6's handleSummary data (summary.json), for run.json and the console.
import type { ThresholdVerdict } from '../results/run-meta.ts';
import { aggregationOf } from './thresholds.ts';

/** The slice of k6's handleSummary data the runner reads. */
export interface SummaryMetricLike {
  type: string;
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
export interface SummaryLike {
  metrics: Record<string, SummaryMetricLike>;
  root_group?: unknown;
  state?: { testRunDurationMs?: number };
}

export function isSummaryLike(value: unknown): value is SummaryLike {
  return typeof value === 'object' && value !== null && typeof (value as SummaryLike).metrics === 'object' && (value as SummaryLike).metrics !== null;
}

/**
 * True when a Trend or Rate got no sample (k6 then reports zeros and passes `p(95)<20`). A Counter that stayed
 * at zero (dropped_iterations) is a real 0, and a Trend without `count` in its stats cannot be told apart.
 */
export function hasNoSamples(m: SummaryMetricLike): boolean {
  if (m.type === 'trend') return m.values.count === 0;
  if (m.type === 'rate') return m.values.passes === 0 && m.values.fails === 0;
  return false;
}

/** Every threshold in the summary, with the observed value of the aggregation it tests when the summary has it. */
export function thresholdVerdicts(summary: SummaryLike, abortOnFail: ReadonlySet<string> = new Set()): ThresholdVerdict[] {
  const verdicts: ThresholdVerdict[] = [];
  for (const [metric, m] of Object.entries(summary.metrics)) {
    const empty = hasNoSamples(m);
    for (const [expression, { ok }] of Object.entries(m.thresholds ?? {})) {
      const agg = aggregationOf(expression);
      const observed = m.values[agg];
      verdicts.push({
        metric,
        expression,
        ok,
        observed: empty ? null : typeof observed === 'number' && Number.isFinite(observed) ? observed : null,
        ...(abortOnFail.has(`${metric}\u0000${expression}`) ? { abortOnFail: true } : {}),
        ...(empty ? { noSamples: true } : {}),
      });
    }
  }
  return verdicts.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
}

function formatObserved(metric: string, v: ThresholdVerdict): string {
  if (v.observed === null || v.observed === undefined) return '';
  const agg = aggregationOf(v.expression);
  if (agg === 'rate') return ` ${agg}=${(v.observed * 100).toFixed(2)}%`;
  if (agg === 'count') return ` ${agg}=${v.observed}`;
  const time = /_ms(\{|$)|^http_req_|^iteration_duration|^group_duration/.test(metric);
  return ` ${agg}=${+v.observed.toFixed(3)}${time ? 'ms' : ''}`;
}

/** Console lines: ✓/✗ metric 'expression' observed, or – … no samples. */
export function renderVerdicts(verdicts: readonly ThresholdVerdict[]): string {
  if (verdicts.length === 0) return 'thresholds: none';
  const lines = verdicts.map((v) =>
    v.noSamples && v.ok ? `  – ${v.metric} '${v.expression}' no samples` : `  ${v.ok ? '✓' : '✗'} ${v.metric} '${v.expression}'${formatObserved(v.metric, v)}`,
  );
  const crossed = verdicts.filter((v) => !v.ok).length;
  const empty = verdicts.filter((v) => v.ok && v.noSamples).length;
  const head = `thresholds: ${verdicts.length - crossed - empty} passed, ${crossed} crossed${empty ? `, ${empty} with no samples (nothing measured: not a pass)` : ''}`;
  return [head, ...lines].join('\n');
}
