// Builds the per-period time series (timeseries.ts) from samples: live from the engine's registry or k6's
// `--out json` stream (the dashboard), or offline from metrics.ndjson.gz (the report). Samples are put in
// the period of their own timestamp, so a stream that arrives late still lands where it belongs; memory per
// open period is one HDR histogram per time-Trend key, reused from period to period.
import { LatencyHistogram } from './histogram.ts';
import type { MetricType, Tags, ValueType } from './metrics.ts';
import { pairKey, TIMESERIES_VERSION, type PeriodRow, type RatePeriod, type TimeSeriesDoc, type TrendPeriod } from './timeseries.ts';

/** What the builder needs to know of a metric (a registry Metric, or an ndjson Metric line's data). */
export interface SeriesMetric {
  readonly name: string;
  readonly type: MetricType;
  readonly contains: ValueType;
}

interface OpenPeriod {
  trends: Map<string, LatencyHistogram>;
  counters: Map<string, number>;
  rates: Map<string, RatePeriod>;
  gauges: Map<string, number>;
}

/** µs precision is what the whole project reports; it also keeps the JSON small. */
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export class TimeSeriesBuilder {
  private originMs: number | null;
  private readonly open = new Map<number, OpenPeriod>();
  /** Index of the first period not yet closed. */
  private nextIndex = 0;
  private readonly rows: PeriodRow[] = [];
  private readonly spare: LatencyHistogram[] = [];
  private lastSampleMs = Number.NEGATIVE_INFINITY;
  /**
   * metric name → source → target → pair key, so the hot path builds no string: the runtime hands each
   * sample a fresh tags object, and a Map lookup with a string seen before reuses its cached hash.
   */
  private readonly pairKeys = new Map<string, Map<string | undefined, Map<string, string>>>();

  constructor(
    /** Width of a period, ms. */
    readonly periodMs: number,
    /** Epoch ms of period 0; by default the time of the first sample. */
    originMs: number | null = null,
  ) {
    if (!(periodMs > 0)) throw new RangeError(`period must be a positive number of ms (got ${periodMs})`);
    this.originMs = originMs;
  }

  /** Hot path: one sample. Trends count only when they hold times (k6 `contains: 'time'`). */
  add(metric: SeriesMetric, value: number, tags: Tags, timeMs: number): void {
    if (!Number.isFinite(value) || !Number.isFinite(timeMs)) return;
    if (metric.type === 'trend' && metric.contains !== 'time') return;
    if (this.originMs === null) this.originMs = timeMs;
    let index = Math.floor((timeMs - this.originMs) / this.periodMs);
    // A sample for a period already closed (sent to browsers) counts in the oldest open one.
    if (index < this.nextIndex) index = this.nextIndex;
    if (timeMs > this.lastSampleMs) this.lastSampleMs = timeMs;
    let period = this.open.get(index);
    if (!period) {
      period = { trends: new Map(), counters: new Map(), rates: new Map(), gauges: new Map() };
      this.open.set(index, period);
    }
    this.record(period, metric.type, metric.name, value);
    const target = tags.target;
    if (target !== undefined) this.record(period, metric.type, this.pairKeyOf(metric.name, tags.source, target), value);
  }

  private pairKeyOf(name: string, source: string | undefined, target: string): string {
    let bySource = this.pairKeys.get(name);
    if (!bySource) this.pairKeys.set(name, (bySource = new Map()));
    let byTarget = bySource.get(source);
    if (!byTarget) bySource.set(source, (byTarget = new Map()));
    let key = byTarget.get(target);
    if (key === undefined) byTarget.set(target, (key = pairKey(name, source, target)));
    return key;
  }

  private record(p: OpenPeriod, type: MetricType, key: string, value: number): void {
    switch (type) {
      case 'trend': {
        let h = p.trends.get(key);
        if (!h) {
          h = this.spare.pop() ?? new LatencyHistogram();
          p.trends.set(key, h);
        }
        h.record(value);
        break;
      }
      case 'counter':
        p.counters.set(key, (p.counters.get(key) ?? 0) + value);
        break;
      case 'rate': {
        let r = p.rates.get(key);
        if (!r) p.rates.set(key, (r = { passes: 0, total: 0 }));
        r.total++;
        if (value !== 0) r.passes++;
        break;
      }
      case 'gauge':
        p.gauges.set(key, value);
        break;
    }
  }

  /** Closes every period that ended at or before `untilMs` (epoch ms); returns the new rows, oldest first. */
  closeUntil(untilMs: number): PeriodRow[] {
    if (this.originMs === null) return [];
    const last = Math.floor((untilMs - this.originMs) / this.periodMs) - 1;
    const out: PeriodRow[] = [];
    while (this.nextIndex <= last) out.push(this.close(this.nextIndex, this.periodMs));
    return out;
  }

  /**
   * Closes the remaining periods, through the one holding the last sample (or `endMs`, when later); the
   * last row is as long as the part of it that was run. Returns the new rows.
   */
  finish(endMs: number = this.lastSampleMs): PeriodRow[] {
    const out: PeriodRow[] = [];
    if (this.originMs === null) return out;
    const end = Math.max(endMs, this.lastSampleMs);
    // A run that ends exactly on a boundary has no time in the next period: no row for it.
    const lastIndex = Math.max(Math.ceil((end - this.originMs) / this.periodMs) - 1, ...this.open.keys());
    while (this.nextIndex <= lastIndex) {
      const i = this.nextIndex;
      const length = i === lastIndex ? Math.min(this.periodMs, Math.max(1, end - (this.originMs + i * this.periodMs))) : this.periodMs;
      out.push(this.close(i, length));
    }
    return out;
  }

  private close(index: number, durationMs: number): PeriodRow {
    const p = this.open.get(index);
    this.open.delete(index);
    this.nextIndex = index + 1;
    const row: PeriodRow = { startMs: index * this.periodMs, durationMs: round3(durationMs), trends: {}, counters: {}, rates: {}, gauges: {} };
    if (p) {
      for (const [key, h] of p.trends) {
        row.trends[key] = trendOf(h);
        h.reset();
        this.spare.push(h);
      }
      for (const [key, v] of p.counters) row.counters[key] = v;
      for (const [key, r] of p.rates) row.rates[key] = r;
      for (const [key, v] of p.gauges) row.gauges[key] = v;
    }
    this.rows.push(row);
    return row;
  }

  /** Every closed period so far (a copy of the list; rows are not copied). */
  doc(): TimeSeriesDoc {
    return { version: TIMESERIES_VERSION, periodMs: this.periodMs, originMs: this.originMs, periods: [...this.rows] };
  }
}

function trendOf(h: LatencyHistogram): TrendPeriod {
  return {
    n: h.count,
    meanMs: round3(h.meanMs),
    minMs: round3(h.minMs),
    maxMs: round3(h.maxMs),
    p50Ms: round3(h.percentileMs(50)),
    p90Ms: round3(h.percentileMs(90)),
    p95Ms: round3(h.percentileMs(95)),
    p99Ms: round3(h.percentileMs(99)),
  };
}
