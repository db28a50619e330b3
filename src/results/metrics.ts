// The engine's metric registry: k6-compatible metrics (Counter, Gauge, Rate, Trend) with tag-filtered
// sub-metrics, fed on the hot path by the runtime and scheduler, and serializable so registries merge.
import { LatencyHistogram, type HistogramSnapshot } from './histogram.ts';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type ValueType = 'default' | 'time' | 'data';
export type Tags = Readonly<Record<string, string>>;

/** A metric definition or sub-metric key that k6 would refuse; the message names it and the fix. */
export class MetricError extends Error {
  override name = 'MetricError';
}

const METRIC_TYPES: readonly MetricType[] = ['counter', 'gauge', 'rate', 'trend'];
const VALUE_TYPES: readonly ValueType[] = ['default', 'time', 'data'];
/** k6 (since v0.48): 1..128 Unicode letters, numbers or '_', not starting with a number. */
const METRIC_NAME_RE = /^[\p{L}_][\p{L}\p{N}_]{0,127}$/u;

export function isValidMetricName(name: string): boolean {
  return METRIC_NAME_RE.test(name);
}

/** The aggregations a threshold (and the summary) may read from each metric type. */
export const AGGREGATIONS_BY_TYPE: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  // k6 v1.3.0 refuses `count` on a trend in a threshold (the summary's trend stats may still show it).
  trend: ['avg', 'min', 'med', 'max', 'p(N)'],
};

// ---------------------------------------------------------------------------------------------
// Sinks

export type SinkState =
  | { kind: 'counter'; count: number; samples: number }
  | { kind: 'gauge'; value: number; min: number | null; max: number | null; lastMs: number; samples: number }
  | { kind: 'rate'; passes: number; total: number }
  | { kind: 'trend'; hist: HistogramSnapshot };

export interface Sink {
  readonly samples: number;
  add(value: number, timeMs: number): void;
  /** One aggregation ('count', 'rate', 'avg', 'p(99.9)' …); durationMs is the test time so far (counter rate). */
  aggregate(agg: string, durationMs: number): number;
  toState(): SinkState;
  mergeState(state: SinkState): void;
}

export class CounterSink implements Sink {
  count = 0;
  samples = 0;
  add(value: number): void {
    this.count += value;
    this.samples++;
  }
  rate(durationMs: number): number {
    return durationMs > 0 ? this.count / (durationMs / 1000) : 0;
  }
  aggregate(agg: string, durationMs: number): number {
    if (agg === 'count') return this.count;
    if (agg === 'rate') return this.rate(durationMs);
    throw new MetricError(`aggregation "${agg}" is not defined for a counter (use count or rate)`);
  }
  toState(): SinkState {
    return { kind: 'counter', count: this.count, samples: this.samples };
  }
  mergeState(s: SinkState): void {
    if (s.kind !== 'counter') throw new MetricError(`cannot merge a ${s.kind} sink into a counter`);
    this.count += s.count;
    this.samples += s.samples;
  }
}

export class GaugeSink implements Sink {
  value = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Time of the sample that set `value`: merging keeps the latest one. */
  lastMs = Number.NEGATIVE_INFINITY;
  samples = 0;
  add(value: number, timeMs: number): void {
    this.value = value;
    this.lastMs = timeMs;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.samples++;
  }
  aggregate(agg: string): number {
    if (agg === 'value') return this.value;
    // min/max are not threshold aggregations for gauges in k6, but the summary shows them.
    if (agg === 'min') return this.samples ? this.min : 0;
    if (agg === 'max') return this.samples ? this.max : 0;
    throw new MetricError(`aggregation "${agg}" is not defined for a gauge (use value)`);
  }
  toState(): SinkState {
    return {
      kind: 'gauge',
      value: this.value,
      min: this.samples ? this.min : null,
      max: this.samples ? this.max : null,
      lastMs: Number.isFinite(this.lastMs) ? this.lastMs : 0,
      samples: this.samples,
    };
  }
  mergeState(s: SinkState): void {
    if (s.kind !== 'gauge') throw new MetricError(`cannot merge a ${s.kind} sink into a gauge`);
    if (s.samples === 0) return;
    if (this.samples === 0 || s.lastMs >= this.lastMs) {
      this.value = s.value;
      this.lastMs = s.lastMs;
    }
    if (s.min !== null && s.min < this.min) this.min = s.min;
    if (s.max !== null && s.max > this.max) this.max = s.max;
    this.samples += s.samples;
  }
}

export class RateSink implements Sink {
  /** Non-zero samples (k6 "passes"). */
  passes = 0;
  total = 0;
  get samples(): number {
    return this.total;
  }
  get fails(): number {
    return this.total - this.passes;
  }
  get rate(): number {
    return this.total ? this.passes / this.total : 0;
  }
  add(value: number): void {
    if (value !== 0) this.passes++;
    this.total++;
  }
  aggregate(agg: string): number {
    if (agg === 'rate') return this.rate;
    throw new MetricError(`aggregation "${agg}" is not defined for a rate (use rate)`);
  }
  toState(): SinkState {
    return { kind: 'rate', passes: this.passes, total: this.total };
  }
  mergeState(s: SinkState): void {
    if (s.kind !== 'rate') throw new MetricError(`cannot merge a ${s.kind} sink into a rate`);
    this.passes += s.passes;
    this.total += s.total;
  }
}

const PERCENTILE_AGG_RE = /^p\(\s*(\d+(?:\.\d+)?)\s*\)$/;

/** Parses "p(99.9)" → 99.9; null when the text is not a percentile aggregation. */
export function parsePercentileAgg(agg: string): number | null {
  const m = PERCENTILE_AGG_RE.exec(agg);
  if (!m) return null;
  const p = Number(m[1]);
  return p >= 0 && p <= 100 ? p : null;
}

/**
 * LatencyHistogram.buckets() reports each HDR bucket by its highest equivalent value (up to +0.1% off
 * with 3 significant digits, in ns units). The bucket's middle halves that bias. With 3 digits a bucket
 * at value v (ns) is 2^(floor(log2 v) − 10) wide above 2047; the value is left alone when it does not
 * sit at the top of such a bucket (another histogram layout).
 */
function bucketMiddleMs(highestMs: number): number {
  const units = Math.round(highestMs * 1e6);
  if (units < 2048) return highestMs;
  const width = 2 ** (Math.floor(Math.log2(units)) - 10);
  if ((units + 1) % width !== 0) return highestMs;
  return (units + 1 - width + Math.floor(width / 2)) / 1e6;
}

/**
 * Up to this many samples a trend also keeps them exactly, so its percentiles are k6's to the last digit
 * (k6 keeps every sample); past it the samples are dropped and percentiles come from the HDR histogram
 * (within 0.1%), so memory stays bounded (80 KiB per trend at most).
 */
export const EXACT_TREND_SAMPLES = 10_000;

export class TrendSink implements Sink {
  readonly hist = new LatencyHistogram();
  /** The samples while there are at most EXACT_TREND_SAMPLES of them (and none was merged in); else null. */
  private exact: Float64Array | null = new Float64Array(16);
  private exactSorted = true;
  get samples(): number {
    return this.hist.count;
  }
  add(value: number): void {
    const before = this.hist.count;
    this.hist.record(value);
    const n = this.hist.count;
    if (this.exact === null || n === before) return;
    if (n > EXACT_TREND_SAMPLES) {
      this.exact = null;
      return;
    }
    if (n > this.exact.length) {
      const grown = new Float64Array(Math.min(EXACT_TREND_SAMPLES, this.exact.length * 4));
      grown.set(this.exact);
      this.exact = grown;
    }
    this.exact[n - 1] = value;
    this.exactSorted = false;
  }
  get min(): number {
    return this.hist.count ? this.hist.minMs : 0;
  }
  get max(): number {
    return this.hist.count ? this.hist.maxMs : 0;
  }
  get avg(): number {
    return this.hist.meanMs;
  }

  /**
   * Percentiles the way k6 computes them: linear interpolation between the two samples around rank
   * p/100·(n−1). The samples are the exact ones up to EXACT_TREND_SAMPLES; past that they come from the HDR
   * histogram, so each is within 0.1% of the real value (exact at min and max). All are read in one walk.
   */
  percentiles(ps: readonly number[]): number[] {
    const n = this.hist.count;
    if (n === 0) return ps.map(() => 0);
    const min = this.hist.minMs;
    const max = this.hist.maxMs;
    let valueAtIndex: (idx: number) => number;
    if (this.exact !== null) {
      const sorted = this.exact.subarray(0, n);
      if (!this.exactSorted) {
        sorted.sort();
        this.exactSorted = true;
      }
      valueAtIndex = (idx) => sorted[Math.max(0, Math.min(n - 1, idx))] ?? 0;
    } else {
      const buckets = this.hist.buckets();
      valueAtIndex = (idx: number): number => {
        if (idx <= 0) return min;
        if (idx >= n - 1) return max;
        let cum = 0;
        for (const [v, c] of buckets) {
          cum += c;
          if (cum > idx) return Math.min(max, Math.max(min, bucketMiddleMs(v)));
        }
        return max;
      };
    }
    return ps.map((p) => {
      if (p <= 0) return min;
      if (p >= 100) return max;
      const rank = (p / 100) * (n - 1);
      const lo = Math.floor(rank);
      const hi = Math.ceil(rank);
      const a = valueAtIndex(lo);
      if (hi === lo) return a;
      const b = valueAtIndex(hi);
      return a + (b - a) * (rank - lo);
    });
  }

  aggregate(agg: string): number {
    switch (agg) {
      case 'avg':
        return this.avg;
      case 'min':
        return this.min;
      case 'max':
        return this.max;
      case 'count':
        return this.hist.count;
      case 'med':
        return this.percentiles([50])[0] ?? 0;
      default: {
        const p = parsePercentileAgg(agg);
        if (p === null) throw new MetricError(`aggregation "${agg}" is not defined for a trend (use avg, min, med, max, count or p(N))`);
        return this.percentiles([p])[0] ?? 0;
      }
    }
  }
  toState(): SinkState {
    return { kind: 'trend', hist: this.hist.toSnapshot() };
  }
  mergeState(s: SinkState): void {
    if (s.kind !== 'trend') throw new MetricError(`cannot merge a ${s.kind} sink into a trend`);
    const merged = LatencyHistogram.fromSnapshot(s.hist);
    // The merged samples are known only through their histogram: percentiles come from it from now on.
    if (merged.count > 0) this.exact = null;
    this.hist.merge(merged);
  }
}

function newSink(type: MetricType): Sink {
  switch (type) {
    case 'counter':
      return new CounterSink();
    case 'gauge':
      return new GaugeSink();
    case 'rate':
      return new RateSink();
    case 'trend':
      return new TrendSink();
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics and sub-metrics

export class Submetric {
  /** "name{suffix}", exactly as k6 prints it. */
  readonly key: string;
  readonly sink: Sink;
  // Parallel arrays: matching a sample walks them without allocating.
  private readonly tagKeys: string[];
  private readonly tagValues: string[];
  constructor(
    readonly parent: Metric,
    /** The text between the braces, e.g. "kind:load". */
    readonly suffix: string,
    /** The tag filter, keys sorted (as k6's JSON shows it). */
    readonly tags: Tags,
  ) {
    this.key = `${parent.name}{${suffix}}`;
    this.sink = newSink(parent.type);
    this.tagKeys = Object.keys(tags);
    this.tagValues = this.tagKeys.map((k) => tags[k] ?? '');
  }
  matches(tags: Tags): boolean {
    for (let i = 0; i < this.tagKeys.length; i++) {
      if (tags[this.tagKeys[i]!] !== this.tagValues[i]) return false;
    }
    return true;
  }
}

export class Metric {
  readonly sink: Sink;
  readonly submetrics: Submetric[] = [];
  constructor(
    readonly name: string,
    readonly type: MetricType,
    readonly contains: ValueType,
  ) {
    this.sink = newSink(type);
  }
  /** True once a sample was recorded (k6 shows only observed metrics in the summary). */
  get observed(): boolean {
    return this.sink.samples > 0;
  }
}

export interface ParsedMetricKey {
  name: string;
  /** Raw text between the braces, trimmed; null for a plain metric name. */
  suffix: string | null;
  tags: Record<string, string>;
}

/**
 * Parses a k6 metric key: "name" or "name{tag:value,tag2:\"quoted, value\"}". Whitespace around names and
 * values is ignored, values may be single- or double-quoted. Throws MetricError naming the key.
 */
export function parseMetricKey(key: string): ParsedMetricKey {
  const text = key.trim();
  const brace = text.indexOf('{');
  if (brace < 0) {
    if (text.includes('}')) throw new MetricError(`invalid metric key "${key}": "}" without "{"`);
    return { name: text, suffix: null, tags: {} };
  }
  if (!text.endsWith('}')) throw new MetricError(`invalid metric key "${key}": a sub-metric must end with "}" (e.g. http_req_duration{status:200})`);
  const name = text.slice(0, brace).trim();
  const suffix = text.slice(brace + 1, -1).trim();
  if (suffix === '') throw new MetricError(`invalid metric key "${key}": empty tag filter between the braces (e.g. http_req_duration{status:200})`);
  const tags: Record<string, string> = {};
  // Split on commas outside quotes.
  const parts: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (const ch of suffix) {
    if (quote) {
      if (ch === quote) quote = null;
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === ',') {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quote) throw new MetricError(`invalid metric key "${key}": unterminated ${quote} quote`);
  parts.push(cur);
  for (const part of parts) {
    const colon = part.indexOf(':');
    if (colon < 0) throw new MetricError(`invalid metric key "${key}": tag filter "${part.trim()}" needs the form tag:value`);
    const k = part.slice(0, colon).trim();
    let v = part.slice(colon + 1).trim();
    if (k === '') throw new MetricError(`invalid metric key "${key}": empty tag name in "${part.trim()}"`);
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) v = v.slice(1, -1);
    tags[k] = v;
  }
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(tags).sort()) sorted[k] = tags[k]!;
  return { name, suffix, tags: sorted };
}

export interface RegistryState {
  version: 1;
  metrics: Array<{
    name: string;
    type: MetricType;
    contains: ValueType;
    sink: SinkState;
    submetrics: Array<{ suffix: string; sink: SinkState }>;
  }>;
}

export type SampleListener = (metric: Metric, value: number, tags: Tags, timeMs: number) => void;

const EMPTY_TAGS: Tags = Object.freeze({});

/** Wall-clock time in ms with sub-millisecond digits (for `--out json` timestamps and gauges). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export class MetricRegistry {
  private readonly metrics = new Map<string, Metric>();
  private readonly submetricsByKey = new Map<string, Submetric>();
  /** Sub-metrics declared (by thresholds) before their metric is defined. */
  private readonly pending = new Map<string, Array<{ suffix: string; tags: Record<string, string> }>>();
  private listeners: SampleListener[] = [];

  /** Idempotent for the same (type, contains); a conflicting redefinition or an invalid name throws MetricError. */
  define(name: string, type: MetricType, contains: ValueType = 'default'): Metric {
    if (!METRIC_TYPES.includes(type)) throw new MetricError(`metric "${name}": unknown type "${String(type)}" (use counter, gauge, rate or trend)`);
    if (!VALUE_TYPES.includes(contains)) throw new MetricError(`metric "${name}": unknown value type "${String(contains)}" (use default, time or data)`);
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type || existing.contains !== contains) {
        throw new MetricError(
          `metric "${name}" is already defined as ${existing.type} (${existing.contains}); it cannot be redefined as ${type} (${contains}) — use another name`,
        );
      }
      return existing;
    }
    if (!isValidMetricName(name)) {
      throw new MetricError(
        `invalid metric name "${name}": use 1 to 128 letters, digits or "_", not starting with a digit (k6 rules)`,
      );
    }
    const metric = new Metric(name, type, contains);
    this.metrics.set(name, metric);
    for (const p of this.pending.get(name) ?? []) this.attachSubmetric(metric, p.suffix, p.tags);
    this.pending.delete(name);
    // k6 always tracks successful requests' durations separately.
    if (name === 'http_req_duration') this.addSubmetric('http_req_duration{expected_response:true}');
    return metric;
  }

  get(name: string): Metric | undefined {
    return this.metrics.get(name);
  }

  /** A declared sub-metric by its key as returned by addSubmetric. */
  getSubmetric(key: string): Submetric | undefined {
    return this.submetricsByKey.get(key);
  }

  /** The sink behind a metric name or sub-metric key, with the metric it belongs to. */
  lookup(key: string): { metric: Metric; submetric: Submetric | null; sink: Sink } | undefined {
    const m = this.metrics.get(key);
    if (m) return { metric: m, submetric: null, sink: m.sink };
    const s = this.submetricsByKey.get(key);
    if (s) return { metric: s.parent, submetric: s, sink: s.sink };
    return undefined;
  }

  /** All defined metrics, in definition order. */
  all(): Metric[] {
    return [...this.metrics.values()];
  }

  /** Hot path: record one sample. Feeds the metric and every matching sub-metric, and notifies listeners. */
  add(metric: Metric | string, value: number, tags: Tags = EMPTY_TAGS, timeMs?: number): void {
    const m = typeof metric === 'string' ? this.metrics.get(metric) : metric;
    if (!m) throw new MetricError(`no metric named "${String(metric)}" is defined (define it first)`);
    if (!Number.isFinite(value)) return;
    const t = timeMs ?? (m.type === 'gauge' || this.listeners.length > 0 ? nowMs() : 0);
    m.sink.add(value, t);
    const subs = m.submetrics;
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i]!;
      if (s.matches(tags)) s.sink.add(value, t);
    }
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]!(m, value, tags, t);
  }

  /**
   * Declares a sub-metric by key "name{k:v,k2:v2}" (k6 syntax; values may be quoted). The metric may be
   * defined later. Returns its key as k6 prints it ("name{<text between the braces>}").
   */
  addSubmetric(key: string): string {
    const parsed = parseMetricKey(key);
    if (parsed.suffix === null) throw new MetricError(`"${key}" is not a sub-metric key (expected name{tag:value})`);
    if (!isValidMetricName(parsed.name)) {
      throw new MetricError(`invalid metric name "${parsed.name}" in "${key}": use 1 to 128 letters, digits or "_", not starting with a digit`);
    }
    const full = `${parsed.name}{${parsed.suffix}}`;
    if (this.submetricsByKey.has(full)) return full;
    const metric = this.metrics.get(parsed.name);
    if (metric) this.attachSubmetric(metric, parsed.suffix, parsed.tags);
    else {
      const list = this.pending.get(parsed.name) ?? [];
      if (!list.some((p) => p.suffix === parsed.suffix)) list.push({ suffix: parsed.suffix, tags: parsed.tags });
      this.pending.set(parsed.name, list);
    }
    return full;
  }

  private attachSubmetric(metric: Metric, suffix: string, tags: Record<string, string>): Submetric {
    const key = `${metric.name}{${suffix}}`;
    const existing = this.submetricsByKey.get(key);
    if (existing) return existing;
    const sub = new Submetric(metric, suffix, tags);
    metric.submetrics.push(sub);
    this.submetricsByKey.set(key, sub);
    return sub;
  }

  onSample(listener: SampleListener): void {
    this.listeners.push(listener);
  }

  /** Removes a listener added with onSample. */
  offSample(listener: SampleListener): void {
    this.listeners = this.listeners.filter((l) => l !== listener);
  }

  /** Serializable state (Trends as HistogramSnapshot) so worker threads / collect can merge registries. */
  toJSON(): RegistryState {
    return {
      version: 1,
      metrics: this.all().map((m) => ({
        name: m.name,
        type: m.type,
        contains: m.contains,
        sink: m.sink.toState(),
        submetrics: m.submetrics.map((s) => ({ suffix: s.suffix, sink: s.sink.toState() })),
      })),
    };
  }

  /** Adds another registry's samples to this one (defines missing metrics and sub-metrics). */
  merge(state: RegistryState): void {
    if (state.version !== 1) throw new MetricError(`unknown registry state version ${String(state.version)} (expected 1)`);
    for (const ms of state.metrics) {
      const metric = this.define(ms.name, ms.type, ms.contains);
      metric.sink.mergeState(ms.sink);
      for (const ss of ms.submetrics) {
        const key = this.addSubmetric(`${ms.name}{${ss.suffix}}`);
        this.submetricsByKey.get(key)!.sink.mergeState(ss.sink);
      }
    }
  }
}

/** k6's built-in metrics (name, type, contains), defined up front so thresholds on them validate. */
export const BUILTIN_METRICS: ReadonlyArray<readonly [string, MetricType, ValueType]> = [
  ['checks', 'rate', 'default'],
  ['data_received', 'counter', 'data'],
  ['data_sent', 'counter', 'data'],
  ['dropped_iterations', 'counter', 'default'],
  ['group_duration', 'trend', 'time'],
  ['http_req_blocked', 'trend', 'time'],
  ['http_req_connecting', 'trend', 'time'],
  ['http_req_duration', 'trend', 'time'],
  ['http_req_failed', 'rate', 'default'],
  ['http_req_receiving', 'trend', 'time'],
  ['http_req_sending', 'trend', 'time'],
  ['http_req_tls_handshaking', 'trend', 'time'],
  ['http_req_waiting', 'trend', 'time'],
  ['http_reqs', 'counter', 'default'],
  ['iteration_duration', 'trend', 'time'],
  ['iterations', 'counter', 'default'],
  ['vus', 'gauge', 'default'],
  ['vus_max', 'gauge', 'default'],
];

export function defineBuiltinMetrics(registry: MetricRegistry): void {
  for (const [name, type, contains] of BUILTIN_METRICS) registry.define(name, type, contains);
}
