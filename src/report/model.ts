// What a report shows, computed from loaded run folders: the post's per-pair table, differences
// with bootstrap CIs, threshold verdicts, settings that differ between runs, and chart data.
import type { LatencyHistogram } from '../results/histogram.ts';
import {
  loadSamples,
  pairKey,
  parseMetricKey,
  readTimeSeries,
  type K6Summary,
  type RunFolder,
  type RunSamples,
  type SummaryMetric,
} from '../results/run-folder-read.ts';
import { bootstrapDiff, verdictOf, weightedFromHistogram, type DiffEstimate, type Verdict } from '../results/stats.ts';
import type { TimeSeriesDoc } from '../results/timeseries.ts';

export const WARM = 's2s_latency_ms';
export const FIRST = 's2s_first_ms';
export const PHASES = [
  { metric: 's2s_token_ms', label: 'token' },
  { metric: 's2s_dns_ms', label: 'DNS' },
  { metric: 's2s_connect_ms', label: 'connect' },
  { metric: 's2s_tls_ms', label: 'TLS' },
  { metric: 's2s_ttfb_ms', label: 'TTFB' },
] as const;
export const ERRORS = 's2s_errors';
export const COLD = 's2s_first_cold';
export const TREND_METRICS = new Set<string>([WARM, FIRST, ...PHASES.map((p) => p.metric)]);

/** Settings that make two runs comparable or not (run.json config or config.settings). */
export const COMPARABLE_SETTINGS = ['count', 'connection', 'region', 'cpu', 'memory', 'mesh', 'pongDelayMs'] as const;

export interface RunView {
  folder: RunFolder;
  id: string;
  platform: string;
  scenario: string;
  /** Short label used in tables and legends, e.g. "local" or "gke (sidecar)". */
  label: string;
  mesh: string | null;
  samples: RunSamples | null;
  /**
   * Warm latency over time in the shared per-period format (the dashboard's): from metrics.ndjson.gz when
   * the run has it, else the run folder's timeseries.json (what `load` runs keep without ndjson).
   */
  series: TimeSeriesDoc | null;
  /** Why timeseries.json could not be used, when it was there. */
  seriesProblem: string | null;
}

function settingOf(folder: RunFolder, key: string): unknown {
  const config = folder.meta?.config ?? {};
  const settings = (config.settings ?? {}) as Record<string, unknown>;
  return settings[key] ?? config[key];
}

/** Loads the samples of each run (when metrics.ndjson.gz is there) and labels the runs. */
export async function viewRuns(folders: RunFolder[]): Promise<RunView[]> {
  const views: RunView[] = [];
  for (const folder of folders) {
    const idMatch = /^(\d{8}T\d{6}Z)_([a-z0-9-]+)_([a-z0-9-]+)$/.exec(folder.name);
    const platform = folder.meta?.platform ?? idMatch?.[2] ?? folder.name;
    const scenario = folder.meta?.scenario ?? idMatch?.[3] ?? '?';
    const meshRaw = settingOf(folder, 'mesh');
    const mesh = meshRaw === undefined || meshRaw === null ? null : String(meshRaw);
    let samples: RunSamples | null = null;
    if (folder.metricsPath) {
      const durationMs = folder.meta?.durationMs ?? folder.summary.state?.testRunDurationMs ?? null;
      // ~100 buckets over the run, at least 50 ms wide
      const bucketMs = durationMs ? Math.max(50, Math.round(durationMs / 100)) : 1000;
      samples = await loadSamples(folder.metricsPath, {
        trendMetrics: TREND_METRICS,
        rateMetrics: new Set([ERRORS]),
        subMetricKeys: Object.keys(folder.summary.metrics),
        timeMetric: WARM,
        bucketMs,
      });
    }
    let series = samples?.series ?? null;
    let seriesProblem: string | null = null;
    if (!series && folder.timeseriesPath) {
      try {
        series = await readTimeSeries(folder.timeseriesPath);
      } catch (err) {
        seriesProblem = (err as Error).message;
      }
    }
    views.push({ folder, id: folder.meta?.id ?? folder.name, platform, scenario, label: platform, mesh, samples, series, seriesProblem });
  }
  // Labels must be unique: add mesh, scenario, then the run id as needed.
  for (const v of views) if (v.mesh && v.mesh !== 'none') v.label = `${v.platform} (${v.mesh})`;
  const dup = (v: RunView) => views.filter((w) => w.label === v.label).length > 1;
  for (const v of views.filter(dup)) v.label = `${v.label} ${v.scenario}`;
  for (const v of views.filter(dup)) v.label = `${v.label} ${v.id.slice(0, 16)}`;
  return views;
}

export interface StatValue {
  value: number | null;
  /** Where it came from: k6's own summary, or our histogram of metrics.ndjson.gz. */
  from: 'summary' | 'samples' | null;
}

/** Summary values and sample histogram of one metric key in one run. */
export class MetricView {
  constructor(
    readonly summary: SummaryMetric | undefined,
    readonly histogram: LatencyHistogram | undefined,
  ) {}

  get present(): boolean {
    return this.summary !== undefined || (this.histogram?.count ?? 0) > 0;
  }

  /** A Trend statistic by k6 name (avg, med, p(90), p(99), max, min, count). */
  stat(name: string): StatValue {
    const v = this.summary?.values[name];
    if (typeof v === 'number') return { value: v, from: 'summary' };
    const h = this.histogram;
    if (!h || h.count === 0) return { value: null, from: null };
    const pm = /^p\((\d+(?:\.\d+)?)\)$/.exec(name);
    const value =
      name === 'avg' ? h.meanMs : name === 'med' ? h.percentileMs(50) : name === 'max' ? h.maxMs : name === 'min' ? h.minMs : name === 'count' ? h.count : pm ? h.percentileMs(Number(pm[1])) : null;
    return { value, from: value === null ? null : 'samples' };
  }
}

export function metricView(run: RunView, key: string): MetricView {
  return new MetricView(run.folder.summary.metrics[key], run.samples?.histograms.get(key));
}

export interface Pair {
  source: string | undefined;
  target: string;
}

export function pairLabel(p: Pair): string {
  return p.source === undefined ? `→ ${p.target}` : `${p.source} → ${p.target}`;
}

/** The source → target pairs a run measured, from summary sub-metric keys and sample tags. */
export function pairsOf(run: RunView): Pair[] {
  const seen = new Map<string, Pair>();
  const keys = [...Object.keys(run.folder.summary.metrics), ...(run.samples ? run.samples.histograms.keys() : [])];
  for (const key of keys) {
    const { name, tags } = parseMetricKey(key);
    if (!TREND_METRICS.has(name) || tags.target === undefined) continue;
    const other = Object.keys(tags).filter((k) => k !== 'source' && k !== 'target');
    if (other.length > 0) continue;
    const pair = { source: tags.source, target: tags.target };
    seen.set(pairLabel(pair), pair);
  }
  // A pair with a source makes the source-less key of the same target redundant.
  const out = [...seen.values()].filter((p) => p.source !== undefined || ![...seen.values()].some((q) => q.source !== undefined && q.target === p.target));
  return out.sort((a, b) => pairLabel(a).localeCompare(pairLabel(b)));
}

export interface PairRow {
  run: RunView;
  pair: Pair;
  auth: string | null;
  /** Mean of the first calls (the phases chart's scale; the table shows median and max). */
  firstMs: StatValue;
  /** First calls over batches: median, max, how many, and how many were cold (s2s_first_cold). */
  first: { medMs: StatValue; maxMs: StatValue; n: StatValue; cold: { cold: number; of: number } | null };
  phasesMs: Array<{ label: string; value: StatValue }>;
  /** (first sum + warm sum) / (first count + warm count): the post's "average of all calls". */
  allMeanMs: number | null;
  warm: { meanMs: StatValue; p50Ms: StatValue; p90Ms: StatValue; p99Ms: StatValue; maxMs: StatValue; n: StatValue };
  errors: { failed: number; total: number } | null;
}

export function pairRow(run: RunView, pair: Pair): PairRow {
  const mv = (metric: string) => metricView(run, pairKey(metric, pair.source, pair.target));
  const warm = mv(WARM);
  const first = mv(FIRST);
  const warmAvg = warm.stat('avg').value;
  const warmN = warm.stat('count').value;
  const firstAvg = first.stat('avg').value;
  const firstN = first.stat('count').value;
  let allMeanMs: number | null = null;
  if (warmAvg !== null && warmN !== null && firstAvg !== null && firstN !== null && warmN + firstN > 0) {
    allMeanMs = (firstAvg * firstN + warmAvg * warmN) / (firstN + warmN);
  }
  const errKey = pairKey(ERRORS, pair.source, pair.target);
  const errSummary = run.folder.summary.metrics[errKey]?.values;
  let errors: PairRow['errors'] = null;
  if (errSummary && typeof errSummary.passes === 'number' && typeof errSummary.fails === 'number') {
    errors = { failed: errSummary.passes, total: errSummary.passes + errSummary.fails };
  } else {
    const r = run.samples?.rates.get(errKey);
    if (r) errors = { failed: r.passes, total: r.total };
  }
  const target = run.folder.meta?.targets.find((t) => t.name === pair.target && (pair.source === undefined || t.source === pair.source));
  const coldV = run.folder.summary.metrics[pairKey(COLD, pair.source, pair.target)]?.values;
  const coldOf = (coldV?.passes ?? 0) + (coldV?.fails ?? 0);
  return {
    run,
    pair,
    auth: target?.auth ?? null,
    firstMs: first.stat('avg'),
    first: { medMs: first.stat('med'), maxMs: first.stat('max'), n: first.stat('count'), cold: coldOf > 0 ? { cold: coldV?.passes ?? 0, of: coldOf } : null },
    phasesMs: PHASES.map((p) => ({ label: p.label, value: mv(p.metric).stat('avg') })),
    allMeanMs,
    warm: {
      meanMs: warm.stat('avg'),
      p50Ms: warm.stat('med'),
      p90Ms: warm.stat('p(90)'),
      p99Ms: warm.stat('p(99)'),
      maxMs: warm.stat('max'),
      n: warm.stat('count'),
    },
    errors,
  };
}

export interface Difference {
  kind: 'target' | 'platform' | 'mesh';
  title: string;
  baseline: string;
  candidate: string;
  /** Bootstrap estimates for the warm-call median and mean. */
  estimates: Array<DiffEstimate & { verdict: Verdict }>;
}

/** A pair of runs or targets not compared, and why (different scenarios, no samples…). */
export interface SkippedDifference {
  title: string;
  reason: string;
}

function warmHistogram(run: RunView, pair: Pair): LatencyHistogram | undefined {
  return run.samples?.histograms.get(pairKey(WARM, pair.source, pair.target));
}

/** Settings of the measurement protocol: runs that differ in one of them measure different things. */
export const PROTOCOL_SETTINGS = ['count', 'batches', 'connection', 'pongDelayMs'] as const;

/** Why two runs cannot be compared (a different scenario or protocol), or null when they can. */
export function incomparable(a: RunView, b: RunView): string | null {
  if (a.scenario !== b.scenario) return `different scenarios (${a.scenario} vs ${b.scenario})`;
  for (const key of PROTOCOL_SETTINGS) {
    const va = settingOf(a.folder, key);
    const vb = settingOf(b.folder, key);
    if (va !== undefined && vb !== undefined && va !== null && vb !== null && JSON.stringify(va) !== JSON.stringify(vb)) return `different ${key} (${JSON.stringify(va)} vs ${JSON.stringify(vb)})`;
  }
  return null;
}

function difference(kind: Difference['kind'], title: string, a: { run: RunView; pair: Pair }, b: { run: RunView; pair: Pair }, seed: number): Difference | SkippedDifference {
  const ha = warmHistogram(a.run, a.pair);
  const hb = warmHistogram(b.run, b.pair);
  if (!ha || !hb || ha.count < 2 || hb.count < 2) {
    const missing = [a.run, b.run].filter((r) => !r.samples).map((r) => r.label);
    const reason = missing.length ? `no metrics.ndjson.gz in ${[...new Set(missing)].join(' and ')} (CIs need the samples)` : 'fewer than 2 warm calls on one side';
    return { title, reason };
  }
  const wa = weightedFromHistogram(ha);
  const wb = weightedFromHistogram(hb);
  const estimates = (['p50', 'mean'] as const).flatMap((stat) => {
    const d = bootstrapDiff(wa, wb, stat, { seed });
    return d ? [{ ...d, verdict: verdictOf(d) }] : [];
  });
  return { kind, title, baseline: `${a.run.label}: ${pairLabel(a.pair)}`, candidate: `${b.run.label}: ${pairLabel(b.pair)}`, estimates };
}

/**
 * Differences worth a CI, between comparable things only: within a run, each target against the run's
 * unauthenticated one (the cost of the security layer); across runs of the same scenario and protocol, the
 * same target on each run against the first (mesh off first), labelled as a mesh cost when `mesh` differs.
 * Everything else is listed as skipped, with the reason.
 */
export function differences(runs: RunView[], seed = 0x5eed, max = 40): { compared: Difference[]; skipped: SkippedDifference[] } {
  const compared: Difference[] = [];
  const skipped: SkippedDifference[] = [];
  const add = (d: Difference | SkippedDifference) => ('estimates' in d ? compared.push(d) : skipped.push(d));
  for (const run of runs) {
    const pairs = pairsOf(run);
    const bySource = new Map<string, Pair[]>();
    for (const p of pairs) bySource.set(p.source ?? '', [...(bySource.get(p.source ?? '') ?? []), p]);
    for (const group of bySource.values()) {
      if (group.length < 2) continue;
      const authOf = (p: Pair) => pairRow(run, p).auth;
      // pong-unsec is the seed's baseline (same service, no auth); any unauthenticated target otherwise
      const base = group.find((p) => /unsec/.test(p.target) && authOf(p) !== 'id-token') ?? group.find((p) => authOf(p) === 'none') ?? group[0]!;
      for (const p of group) if (p !== base) add(difference('target', `${run.label}: ${p.target} vs ${base.target}`, { run, pair: base }, { run, pair: p }, seed));
    }
  }
  const ordered = [...runs].sort((a, b) => Number(a.mesh !== null && a.mesh !== 'none') - Number(b.mesh !== null && b.mesh !== 'none'));
  const targets = new Set(runs.flatMap((r) => pairsOf(r).map((p) => p.target)));
  for (const target of targets) {
    const having = ordered.flatMap((run) => pairsOf(run).filter((p) => p.target === target).map((pair) => ({ run, pair })));
    const first = having[0];
    if (!first) continue;
    for (const other of having.slice(1)) {
      if (other.run === first.run) continue;
      const meshA = first.run.mesh ?? 'none';
      const meshB = other.run.mesh ?? 'none';
      const kind = meshA !== meshB ? 'mesh' : 'platform';
      const title = kind === 'mesh' ? `${target}: mesh ${meshB} vs ${meshA}` : `${target}: ${other.run.label} vs ${first.run.label}`;
      const why = incomparable(first.run, other.run);
      if (why) skipped.push({ title, reason: why });
      else add(difference(kind, title, first, other, seed));
    }
  }
  return { compared: compared.slice(0, max), skipped };
}

export interface ThresholdRow {
  run: RunView;
  metric: string;
  expression: string;
  ok: boolean;
  observed: number | null;
  /** The (sub-)metric got no sample: nothing was tested (shown as "no samples", never as a pass). */
  noSamples: boolean;
}

function emptyMetric(m: SummaryMetric | undefined): boolean {
  if (!m) return false;
  if (m.type === 'trend') return m.values.count === 0;
  if (m.type === 'rate') return m.values.passes === 0 && m.values.fails === 0;
  return false;
}

/** Threshold verdicts of a run: from summary.json (k6's own), completed by run.json's observed values. */
export function thresholdsOf(run: RunView): ThresholdRow[] {
  const rows: ThresholdRow[] = [];
  for (const [metric, m] of Object.entries(run.folder.summary.metrics)) {
    for (const [expression, t] of Object.entries(m.thresholds ?? {})) {
      const fromMeta = run.folder.meta?.thresholds.find((x) => x.metric === metric && x.expression === expression);
      rows.push({ run, metric, expression, ok: t.ok, observed: fromMeta?.observed ?? null, noSamples: (fromMeta?.noSamples ?? false) || emptyMetric(m) });
    }
  }
  for (const t of run.folder.meta?.thresholds ?? []) {
    if (!rows.some((r) => r.metric === t.metric && r.expression === t.expression)) {
      rows.push({ run, metric: t.metric, expression: t.expression, ok: t.ok, observed: t.observed ?? null, noSamples: t.noSamples ?? false });
    }
  }
  return rows;
}

export interface SettingDifference {
  key: string;
  values: Array<{ run: string; value: string }>;
}

/** Settings that differ between runs (COMPARABLE_SETTINGS): each one deserves a loud warning. */
export function settingDifferences(folders: Array<{ label: string; folder: RunFolder }>): SettingDifference[] {
  if (folders.length < 2) return [];
  const out: SettingDifference[] = [];
  for (const key of COMPARABLE_SETTINGS) {
    const values = folders.map((f) => {
      const v = settingOf(f.folder, key);
      return { run: f.label, value: v === undefined || v === null ? '(unset)' : typeof v === 'object' ? JSON.stringify(v) : String(v) };
    });
    // Unknown (unset) values are not evidence of a difference; differing known values are.
    if (new Set(values.filter((v) => v.value !== '(unset)').map((v) => v.value)).size > 1) out.push({ key, values });
  }
  return out;
}

export type { K6Summary };
