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

/** Every threshold in the summary, with the observed value of the aggregation it tests when the summary has it. */
export function thresholdVerdicts(summary: SummaryLike, abortOnFail: ReadonlySet<string> = new Set()): ThresholdVerdict[] {
  const verdicts: ThresholdVerdict[] = [];
  for (const [metric, m] of Object.entries(summary.metrics)) {
    for (const [expression, { ok }] of Object.entries(m.thresholds ?? {})) {
      const agg = aggregationOf(expression);
      const observed = m.values[agg];
      verdicts.push({
        metric,
        expression,
        ok,
        observed: typeof observed === 'number' && Number.isFinite(observed) ? observed : null,
        ...(abortOnFail.has(`${metric}\u0000${expression}`) ? { abortOnFail: true } : {}),
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

/** Console lines: ✓/✗ metric 'expression' observed. */
export function renderVerdicts(verdicts: readonly ThresholdVerdict[]): string {
  if (verdicts.length === 0) return 'thresholds: none';
  const lines = verdicts.map((v) => `  ${v.ok ? '✓' : '✗'} ${v.metric} '${v.expression}'${formatObserved(v.metric, v)}`);
  const crossed = verdicts.filter((v) => !v.ok).length;
  return [`thresholds: ${verdicts.length - crossed} passed, ${crossed} crossed`, ...lines].join('\n');
}
