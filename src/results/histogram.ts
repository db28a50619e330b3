// Latency storage for everything in this project (ping batches, engine Trends, collect, reports):
// an HDR histogram for percentiles plus exact count/sum/min/max, so memory stays flat whatever the
// number of samples, the mean and extremes stay exact, and histograms from many places can be merged.
import * as hdr from 'hdr-histogram-js';
import type { HistogramSnapshot, LatencyStatsMs as HistogramStatsMs } from '../contract/ping.ts';

/** Values are recorded as integers of this many units per millisecond (1e6 = nanoseconds). */
const UNITS_PER_MS = 1e6;
/** 3 significant digits: any percentile is within 0.1% of the true sample value. */
const SIGNIFICANT_DIGITS = 3;

// The serialisable forms live in the contract (pure types, shared with k6 scripts and reports).
export type { HistogramSnapshot } from '../contract/ping.ts';
export type { LatencyStatsMs as HistogramStatsMs } from '../contract/ping.ts';

function newHdr(): hdr.Histogram {
  return hdr.build({
    // 32-bit counters: ~5× faster to record than 'packed' (measured here), ~46 KB per histogram.
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  });
}

export class LatencyHistogram {
  private h: hdr.Histogram = newHdr();
  count = 0;
  sumMs = 0;
  sumSqMs = 0;
  minMs = Number.POSITIVE_INFINITY;
  maxMs = Number.NEGATIVE_INFINITY;

  /**
   * Records one value in milliseconds. Negative values (possible for arbitrary k6 Trends) are kept
   * exactly in count/sum/min/max and counted at 0 in the distribution.
   */
  record(valueMs: number, times = 1): void {
    if (!Number.isFinite(valueMs) || times <= 0) return;
    this.count += times;
    this.sumMs += valueMs * times;
    this.sumSqMs += valueMs * valueMs * times;
    if (valueMs < this.minMs) this.minMs = valueMs;
    if (valueMs > this.maxMs) this.maxMs = valueMs;
    const units = valueMs <= 0 ? 0 : Math.round(valueMs * UNITS_PER_MS);
    if (times === 1) this.h.recordValue(units);
    else this.h.recordValueWithCount(units, times);
  }

  /** Adds every value of another histogram to this one. */
  merge(other: LatencyHistogram): void {
    if (other.count === 0) return;
    this.h.add(other.h);
    this.count += other.count;
    this.sumMs += other.sumMs;
    this.sumSqMs += other.sumSqMs;
    this.minMs = Math.min(this.minMs, other.minMs);
    this.maxMs = Math.max(this.maxMs, other.maxMs);
  }

  get meanMs(): number {
    return this.count === 0 ? 0 : this.sumMs / this.count;
  }

  /** Population standard deviation, ms. */
  get stddevMs(): number {
    if (this.count === 0) return 0;
    const mean = this.meanMs;
    return Math.sqrt(Math.max(0, this.sumSqMs / this.count - mean * mean));
  }

  /** The value at percentile p (0..100), ms, clamped to the exact min and max. */
  percentileMs(p: number): number {
    if (this.count === 0) return 0;
    if (p <= 0) return this.minMs;
    if (p >= 100) return this.maxMs;
    const v = this.h.getValueAtPercentile(p) / UNITS_PER_MS;
    return Math.min(this.maxMs, Math.max(this.minMs, v));
  }

  stats(): HistogramStatsMs {
    return {
      count: this.count,
      minMs: this.count ? this.minMs : 0,
      meanMs: this.meanMs,
      p50Ms: this.percentileMs(50),
      p90Ms: this.percentileMs(90),
      p95Ms: this.percentileMs(95),
      p99Ms: this.percentileMs(99),
      maxMs: this.count ? this.maxMs : 0,
      stddevMs: this.stddevMs,
    };
  }

  /**
   * The distribution as (value ms, count) pairs, one per non-empty HDR bucket, in ascending order:
   * what CDF plots and bootstrap resampling work from.
   */
  buckets(): Array<[valueMs: number, count: number]> {
    const out: Array<[number, number]> = [];
    if (this.count === 0) return out;
    // Walk recorded values; HDR's iteration gives each distinct bucket once.
    const iter = (this.h as unknown as { recordedValuesIterator?: unknown }).recordedValuesIterator;
    if (iter && typeof (iter as { reset?: unknown }).reset === 'function') {
      const it = iter as { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } };
      it.reset();
      while (it.hasNext()) {
        const v = it.next();
        if (v.countAtValueIteratedTo > 0) out.push([v.valueIteratedTo / UNITS_PER_MS, v.countAtValueIteratedTo]);
      }
    }
    return out;
  }

  toSnapshot(): HistogramSnapshot {
    return {
      encoding: 'hdr-ns-b64',
      count: this.count,
      sumMs: this.sumMs,
      sumSqMs: this.sumSqMs,
      minMs: this.count ? this.minMs : null,
      maxMs: this.count ? this.maxMs : null,
      hdr: hdr.encodeIntoCompressedBase64(this.h),
    };
  }

  static fromSnapshot(s: HistogramSnapshot): LatencyHistogram {
    if (s.encoding !== 'hdr-ns-b64') throw new Error(`unknown histogram encoding "${String(s.encoding)}" (expected hdr-ns-b64)`);
    const out = new LatencyHistogram();
    const decoded = hdr.decodeFromCompressedBase64(s.hdr, 32);
    out.h.add(decoded);
    decoded.destroy();
    out.count = s.count;
    out.sumMs = s.sumMs;
    out.sumSqMs = s.sumSqMs;
    out.minMs = s.minMs ?? Number.POSITIVE_INFINITY;
    out.maxMs = s.maxMs ?? Number.NEGATIVE_INFINITY;
    return out;
  }

  reset(): void {
    this.h.reset();
    this.count = 0;
    this.sumMs = 0;
    this.sumSqMs = 0;
    this.minMs = Number.POSITIVE_INFINITY;
    this.maxMs = Number.NEGATIVE_INFINITY;
  }
}
