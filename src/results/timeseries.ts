// The per-period time series of a run: ONE format for the live dashboard (sent over SSE, one row per
// period), its export, `timeseries.json` in the run folder and the report's over-time charts. Pure types
// and readers, no Node or DOM imports, so the browser code of the dashboard can use them as they are.
// Rows are built by TimeSeriesBuilder (timeseries-builder.ts) from a live sample stream or an ndjson file.

export const TIMESERIES_VERSION = 1 as const;

/** One Trend of `contains: 'time'` over one period, all in ms (HDR-based, within 0.1%). */
export interface TrendPeriod {
  /** Samples in the period. */
  n: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** One Rate over one period: samples that were non-zero (k6 "passes") and all samples. */
export interface RatePeriod {
  passes: number;
  total: number;
}

/**
 * One period. Keys are k6 metric names, or pair keys `name{source:S,target:T}` (`name{target:T}` without a
 * source tag) for samples tagged with a target — the same keys as summary.json's sub-metrics.
 */
export interface PeriodRow {
  /** Start of the period, ms since the series' origin. */
  startMs: number;
  /** Length of the period, ms (the last one of a run may be shorter). */
  durationMs: number;
  /** Time Trends (k6 `contains: 'time'`), ms. */
  trends: Record<string, TrendPeriod>;
  /** Counters: the sum of the values added in the period (rate = value / durationMs · 1000). */
  counters: Record<string, number>;
  rates: Record<string, RatePeriod>;
  /** Gauges: the last value seen in the period. */
  gauges: Record<string, number>;
}

export interface TimeSeriesDoc {
  version: typeof TIMESERIES_VERSION;
  /** Width of a period, ms. */
  periodMs: number;
  /** Epoch ms the periods count from (the first sample), null before any sample. */
  originMs: number | null;
  periods: PeriodRow[];
}

/** The pair key the scenarios and summary.json use: `metric{source:S,target:T}`, or `metric{target:T}` without a source. */
export function pairKey(metric: string, source: string | undefined, target: string): string {
  return source === undefined ? `${metric}{target:${target}}` : `${metric}{source:${source},target:${target}}`;
}

export interface SeriesPair {
  source: string | undefined;
  target: string;
  /** "S → T", or "→ T" without a source. */
  label: string;
}

const PAIR_KEY_RE = /^([^{]+)\{(?:source:([^,}]*),)?target:([^,}]*)\}$/;

/** The pairs (source → target) that a metric has series for, sorted by label (stable from one update to the next). */
export function pairsOf(doc: TimeSeriesDoc, metric: string): SeriesPair[] {
  const seen = new Map<string, SeriesPair>();
  for (const row of doc.periods) {
    for (const group of [row.trends, row.counters, row.rates]) {
      for (const key of Object.keys(group)) {
        const m = PAIR_KEY_RE.exec(key);
        if (!m || m[1] !== metric || seen.has(key)) continue;
        const source = m[2];
        const target = m[3] ?? '';
        seen.set(key, { source, target, label: source === undefined ? `→ ${target}` : `${source} → ${target}` });
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.label.localeCompare(b.label));
}

/** Start of a period in seconds since the origin (what over-time charts put on x). */
export function periodSec(row: PeriodRow): number {
  return row.startMs / 1000;
}

/** A Trend statistic per period, skipping periods without samples of that key. */
export function trendSeries(doc: TimeSeriesDoc, key: string, stat: keyof TrendPeriod): Array<{ tS: number; value: number }> {
  const out: Array<{ tS: number; value: number }> = [];
  for (const row of doc.periods) {
    const t = row.trends[key];
    if (t && t.n > 0) out.push({ tS: periodSec(row), value: t[stat] });
  }
  return out;
}

/** A Counter as a per-second rate, one point per period (0 in periods without samples). */
export function counterRateSeries(doc: TimeSeriesDoc, key: string): Array<{ tS: number; perSec: number }> {
  return doc.periods.map((row) => ({ tS: periodSec(row), perSec: row.durationMs > 0 ? ((row.counters[key] ?? 0) * 1000) / row.durationMs : 0 }));
}

/** A Gauge per period, carrying the last value forward over periods that saw none. */
export function gaugeSeries(doc: TimeSeriesDoc, key: string): Array<{ tS: number; value: number }> {
  const out: Array<{ tS: number; value: number }> = [];
  let last: number | undefined;
  for (const row of doc.periods) {
    const v = row.gauges[key] ?? last;
    if (v !== undefined) out.push({ tS: periodSec(row), value: v });
    last = v;
  }
  return out;
}

/** A Rate per period as a fraction, skipping periods without samples of that key. */
export function rateSeries(doc: TimeSeriesDoc, key: string): Array<{ tS: number; fraction: number; passes: number; total: number }> {
  const out: Array<{ tS: number; fraction: number; passes: number; total: number }> = [];
  for (const row of doc.periods) {
    const r = row.rates[key];
    if (r && r.total > 0) out.push({ tS: periodSec(row), fraction: r.passes / r.total, ...r });
  }
  return out;
}

/** Whole-run totals of a key, from the periods: Trend count and mean, Counter sum, Rate passes/total. */
export function totals(doc: TimeSeriesDoc, key: string): { n: number; meanMs: number | null; maxMs: number | null; count: number; passes: number; total: number } {
  let n = 0;
  let sum = 0;
  let max: number | null = null;
  let count = 0;
  let passes = 0;
  let total = 0;
  for (const row of doc.periods) {
    const t = row.trends[key];
    if (t && t.n > 0) {
      n += t.n;
      sum += t.meanMs * t.n;
      max = max === null ? t.maxMs : Math.max(max, t.maxMs);
    }
    count += row.counters[key] ?? 0;
    const r = row.rates[key];
    if (r) {
      passes += r.passes;
      total += r.total;
    }
  }
  return { n, meanMs: n > 0 ? sum / n : null, maxMs: max, count, passes, total };
}

/** An empty document (no sample yet). */
export function emptyTimeSeries(periodMs: number): TimeSeriesDoc {
  return { version: TIMESERIES_VERSION, periodMs, originMs: null, periods: [] };
}

/** Checks the shape of a parsed timeseries.json; returns a reason or null. */
export function timeSeriesProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const v = value as Partial<TimeSeriesDoc>;
  if (v.version !== TIMESERIES_VERSION) return `version ${JSON.stringify(v.version)} (expected ${TIMESERIES_VERSION})`;
  if (typeof v.periodMs !== 'number' || !(v.periodMs > 0)) return 'no positive "periodMs"';
  if (!Array.isArray(v.periods)) return 'no "periods" array';
  for (const [i, row] of v.periods.entries()) {
    const r = row as Partial<PeriodRow> | null;
    if (!r || typeof r.startMs !== 'number' || typeof r.durationMs !== 'number' || typeof r.trends !== 'object' || typeof r.counters !== 'object' || typeof r.rates !== 'object' || typeof r.gauges !== 'object') {
      return `periods[${i}] is not a period row (startMs, durationMs, trends, counters, rates, gauges)`;
    }
  }
  return null;
}
