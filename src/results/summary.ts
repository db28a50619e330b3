// The end-of-test summary data: exactly the object real k6 v1 hands to handleSummary(data), built from a
// registry and threshold verdicts, plus the legacy `--summary-export` shape derived from it.
import { createHash } from 'node:crypto';
import { parsePercentileAgg, type MetricRegistry, type MetricType, type Sink, type TrendSink, type ValueType } from './metrics.ts';
import type { ThresholdEvaluation } from './thresholds.ts';

export interface CheckNode {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}
export interface GroupNode {
  name: string;
  path: string;
  id: string;
  groups: GroupNode[];
  checks: CheckNode[];
}
export interface SummaryMetric {
  type: MetricType;
  contains: ValueType;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  root_group: GroupNode;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  setup_data?: unknown;
}

/** An invalid summaryTrendStats / summaryTimeUnit option (→ exit 104); the message names value and fix. */
export class SummaryConfigError extends Error {
  override name = 'SummaryConfigError';
}

export const DEFAULT_SUMMARY_TREND_STATS: string[] = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
const TREND_STATS = new Set(['avg', 'min', 'med', 'max', 'count']);
const TIME_UNITS = new Set(['', 's', 'ms', 'us']);

/** Validates summaryTrendStats (avg, min, med, max, count, p(N)); returns them trimmed. */
export function parseSummaryTrendStats(input: unknown): string[] {
  if (input === undefined || input === null) return [...DEFAULT_SUMMARY_TREND_STATS];
  const list = typeof input === 'string' ? input.split(',') : input;
  if (!Array.isArray(list) || list.length === 0) {
    throw new SummaryConfigError(
      `invalid summaryTrendStats ${JSON.stringify(input)}: expected a list like ["avg","min","med","max","p(90)","p(95)"]`,
    );
  }
  return list.map((s: unknown) => {
    const stat = typeof s === 'string' ? s.trim() : '';
    if (!TREND_STATS.has(stat) && parsePercentileAgg(stat) === null) {
      throw new SummaryConfigError(
        `invalid summaryTrendStats entry ${JSON.stringify(s)}: use avg, min, med, max, count or p(N) with N from 0 to 100, e.g. p(99.9)`,
      );
    }
    return stat;
  });
}

/** Validates summaryTimeUnit ('' = automatic, s, ms, us). */
export function parseSummaryTimeUnit(input: unknown): string {
  if (input === undefined || input === null) return '';
  if (typeof input !== 'string' || !TIME_UNITS.has(input)) {
    throw new SummaryConfigError(`invalid summaryTimeUnit ${JSON.stringify(input)}: use s, ms or us (or leave it unset)`);
  }
  return input;
}

/** Group and check ids are the md5 hex of their path ('' for the root group), as in k6. */
export function groupId(path: string): string {
  return createHash('md5').update(path).digest('hex');
}

/** A group node; the root group has name '' and no parent. Paths are "::outer::inner". */
export function makeGroupNode(name: string, parent?: GroupNode): GroupNode {
  const path = parent ? `${parent.path}::${name}` : '';
  return { name: parent ? name : '', path, id: groupId(path), groups: [], checks: [] };
}

/** A check node under a group; its path is "<group path>::<check name>". */
export function makeCheckNode(name: string, group: GroupNode): CheckNode {
  const path = `${group.path}::${name}`;
  return { name, path, id: groupId(path), passes: 0, fails: 0 };
}

function trendValues(sink: TrendSink, stats: readonly string[]): Record<string, number> {
  const pcts = stats.map((s) => (s === 'med' ? 50 : parsePercentileAgg(s)));
  const wanted = pcts.filter((p): p is number => p !== null);
  const computed = sink.percentiles(wanted);
  const out: Record<string, number> = {};
  let i = 0;
  stats.forEach((stat, idx) => {
    if (pcts[idx] !== null) out[stat] = computed[i++] ?? 0;
    else out[stat] = sink.aggregate(stat);
  });
  return out;
}

/** The values object of one metric or sub-metric, per k6 type. */
export function summaryValues(type: MetricType, sink: Sink, stats: readonly string[], durationMs: number): Record<string, number> {
  switch (type) {
    case 'counter':
      return { count: sink.aggregate('count', durationMs), rate: sink.aggregate('rate', durationMs) };
    case 'gauge':
      return { value: sink.aggregate('value', durationMs), min: sink.aggregate('min', durationMs), max: sink.aggregate('max', durationMs) };
    case 'rate': {
      const r = sink as Sink & { passes: number; fails: number; rate: number };
      return { rate: r.rate, passes: r.passes, fails: r.fails };
    }
    case 'trend':
      return trendValues(sink as TrendSink, stats);
  }
}

export interface BuildSummaryInput {
  registry: MetricRegistry;
  thresholds: ThresholdEvaluation | null;
  /** Metric keys the thresholds option names (ThresholdSet.metricKeys()), with or without expressions. */
  declaredSubmetrics?: readonly string[];
  rootGroup: GroupNode;
  summaryTrendStats: string[];
  summaryTimeUnit?: string;
  noColor: boolean;
  isStdOutTTY: boolean;
  isStdErrTTY: boolean;
  testRunDurationMs: number;
  /** setup()'s return value, when there was one (k6 adds it as setup_data). */
  setupData?: unknown;
}

/**
 * The handleSummary(data) object. Metrics appear when they have samples or thresholds, sub-metrics named
 * by the thresholds option also when their metric has samples;
 * keys are sorted (k6's order is Go-map random). Trend percentiles are interpolated like k6, from HDR.
 */
export function buildSummaryData(input: BuildSummaryInput): SummaryData {
  const stats = input.summaryTrendStats;
  const durationMs = input.testRunDurationMs;
  const verdicts = new Map<string, Record<string, { ok: boolean }>>();
  for (const r of input.thresholds?.results ?? []) {
    const entry = verdicts.get(r.metric) ?? {};
    entry[r.expression] = { ok: r.ok };
    verdicts.set(r.metric, entry);
  }
  const entries: Array<[string, SummaryMetric]> = [];
  const declared = new Set(input.declaredSubmetrics ?? []);
  const add = (key: string, type: MetricType, contains: ValueType, sink: Sink, parentSeen = false): void => {
    const thresholds = verdicts.get(key);
    if (sink.samples === 0 && !thresholds && !(parentSeen && declared.has(key))) return;
    const m: SummaryMetric = { type, contains, values: summaryValues(type, sink, stats, durationMs) };
    if (thresholds) m.thresholds = thresholds;
    entries.push([key, m]);
  };
  for (const metric of input.registry.all()) {
    add(metric.name, metric.type, metric.contains, metric.sink);
    // A sub-metric the thresholds option names (even with an empty list) shows once its metric has samples,
    // also when none matched it (count 0), as in k6.
    for (const sub of metric.submetrics) add(sub.key, metric.type, metric.contains, sub.sink, metric.sink.samples > 0);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const data: SummaryData = {
    metrics: Object.fromEntries(entries),
    root_group: input.rootGroup,
    options: { summaryTrendStats: [...stats], summaryTimeUnit: input.summaryTimeUnit ?? '', noColor: input.noColor },
    state: { isStdOutTTY: input.isStdOutTTY, isStdErrTTY: input.isStdErrTTY, testRunDurationMs: durationMs },
  };
  if (input.setupData !== undefined) data.setup_data = input.setupData;
  if (input.thresholds) evaluations.set(data, input.thresholds);
  return data;
}

/** The threshold evaluation a summary was built from (observed values are not part of k6's data shape). */
const evaluations = new WeakMap<SummaryData, ThresholdEvaluation>();
export function thresholdEvaluationOf(data: SummaryData): ThresholdEvaluation | undefined {
  return evaluations.get(data);
}

interface ExportGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, ExportGroup>;
  checks: Record<string, CheckNode>;
}

function exportGroup(g: GroupNode): ExportGroup {
  return {
    name: g.name,
    path: g.path,
    id: g.id,
    groups: Object.fromEntries(g.groups.map((c) => [c.name, exportGroup(c)])),
    checks: Object.fromEntries(g.checks.map((c) => [c.name, { ...c }])),
  };
}

/**
 * The legacy `--summary-export` file: flat values per metric (a Rate's rate is `value`), groups and checks
 * keyed by name, and threshold booleans that mean *crossed* (the opposite of handleSummary's `ok`).
 */
export function toSummaryExport(data: SummaryData): unknown {
  const metrics: Record<string, Record<string, unknown>> = {};
  for (const [key, m] of Object.entries(data.metrics)) {
    const crossed = m.thresholds
      ? Object.fromEntries(Object.entries(m.thresholds).map(([expr, v]) => [expr, !v.ok]))
      : undefined;
    let flat: Record<string, unknown>;
    if (m.type === 'rate') {
      flat = { passes: m.values.passes, fails: m.values.fails };
      if (crossed) flat.thresholds = crossed;
      flat.value = m.values.rate;
    } else {
      flat = { ...m.values };
      if (crossed) flat.thresholds = crossed;
    }
    metrics[key] = flat;
  }
  return { metrics, root_group: exportGroup(data.root_group) };
}
