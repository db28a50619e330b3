// Live threshold verdicts for the page: the engine's own evaluation (the same ThresholdSet that decides the
// exit code) turned into what the page shows, with "no samples" apart from a pass.
import type { MetricRegistry } from '../results/metrics.ts';
import type { ThresholdResult, ThresholdSet } from '../results/thresholds.ts';
import type { LiveVerdict } from './model.ts';

/** Verdicts from a ThresholdSet evaluation; `registry` tells which metrics hold times. */
export function liveVerdicts(results: readonly ThresholdResult[], registry: MetricRegistry): LiveVerdict[] {
  return results.map((r) => {
    const metric = registry.lookup(r.metric)?.metric;
    const timeAgg = !/^(count|rate)\b/.test(r.expression.trim());
    return {
      metric: r.metric,
      expression: r.expression,
      state: r.observed === null && r.ok ? 'no-samples' : r.ok ? 'ok' : 'crossed',
      observed: r.observed,
      unit: metric?.type === 'rate' ? 'fraction' : metric?.contains === 'time' && timeAgg ? 'ms' : 'number',
    };
  });
}

/** A verdict source for the dashboard: evaluates `thresholds` against `registry` now (not final: no abort). */
export function verdictsOf(thresholds: ThresholdSet | null, registry: MetricRegistry, elapsedMs: () => number): () => LiveVerdict[] {
  if (!thresholds) return () => [];
  return () => liveVerdicts(thresholds.evaluate(registry, { elapsedMs: elapsedMs(), final: false }).results, registry);
}
