// Statistics for honest comparisons: a seeded RNG, bootstrap confidence intervals of the difference
// (absolute and relative) between two latency distributions held as HDR histograms, and a run-level interval
// (one value per run, Welch on logs) for gates that must hold across runs, not just across calls.
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { LatencyHistogram } from './histogram.ts';

/** A deterministic PRNG (mulberry32) so that reports and CI verdicts are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type BootStat = 'mean' | 'p50' | 'p90' | 'p99';

/** A distribution as weighted values (one per HDR bucket), ready for fast resampling. */
export interface WeightedSample {
  valuesMs: Float64Array;
  /** Cumulative counts, same length as valuesMs; the last one is the total count. */
  cumCounts: Float64Array;
  count: number;
  /** Walker/Vose alias table, built on first resample: one O(1) draw per value. */
  alias?: { prob: Float64Array; alias: Uint32Array };
}

function aliasTable(w: WeightedSample): { prob: Float64Array; alias: Uint32Array } {
  const k = w.valuesMs.length;
  const prob = new Float64Array(k);
  const alias = new Uint32Array(k);
  const scaled = new Float64Array(k);
  const small: number[] = [];
  const large: number[] = [];
  let prev = 0;
  for (let i = 0; i < k; i++) {
    const c = w.cumCounts[i] ?? 0;
    scaled[i] = ((c - prev) * k) / w.count;
    prev = c;
    ((scaled[i] ?? 0) < 1 ? small : large).push(i);
  }
  while (small.length && large.length) {
    const s = small.pop()!;
    const l = large[large.length - 1]!;
    prob[s] = scaled[s] ?? 0;
    alias[s] = l;
    scaled[l] = (scaled[l] ?? 0) + (scaled[s] ?? 0) - 1;
    if ((scaled[l] ?? 0) < 1) {
      large.pop();
      small.push(l);
    }
  }
  for (const i of [...large, ...small]) prob[i] = 1;
  return { prob, alias };
}

export function weightedFromBuckets(buckets: Array<[number, number]>): WeightedSample {
  const valuesMs = new Float64Array(buckets.length);
  const cumCounts = new Float64Array(buckets.length);
  let total = 0;
  buckets.forEach(([v, c], i) => {
    total += c;
    valuesMs[i] = v;
    cumCounts[i] = total;
  });
  return { valuesMs, cumCounts, count: total };
}

export function weightedFromHistogram(h: LatencyHistogram): WeightedSample {
  return weightedFromBuckets(h.buckets());
}

/** Statistic of a weighted sample given per-bucket counts (in the same bucket order). */
function statOfCounts(valuesMs: Float64Array, counts: Uint32Array | Float64Array, n: number, stat: BootStat): number {
  if (stat === 'mean') {
    let s = 0;
    for (let i = 0; i < valuesMs.length; i++) s += (valuesMs[i] ?? 0) * (counts[i] ?? 0);
    return s / n;
  }
  const q = stat === 'p50' ? 0.5 : stat === 'p90' ? 0.9 : 0.99;
  // Nearest-rank percentile, as HDR histograms report it.
  const rank = Math.max(1, Math.ceil(q * n));
  let acc = 0;
  for (let i = 0; i < valuesMs.length; i++) {
    acc += counts[i] ?? 0;
    if (acc >= rank) return valuesMs[i] ?? 0;
  }
  return valuesMs[valuesMs.length - 1] ?? 0;
}

/** The statistic of the whole weighted sample (the bootstrap's point estimate). */
export function statOf(w: WeightedSample, stat: BootStat): number {
  const counts = new Float64Array(w.valuesMs.length);
  let prev = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = w.cumCounts[i] ?? 0;
    counts[i] = c - prev;
    prev = c;
  }
  return statOfCounts(w.valuesMs, counts, w.count, stat);
}

/**
 * One bootstrap replicate of the statistic. Draws m = min(n, maxDraws) values with replacement and
 * rescales the deviation from the point estimate by sqrt(m/n) (m-out-of-n bootstrap), so a run of a
 * million calls costs the same as one of `maxDraws` without overstating the uncertainty.
 */
function replicate(w: WeightedSample, stat: BootStat, point: number, rng: () => number, maxDraws: number, scratch: Uint32Array): number {
  const m = Math.min(w.count, maxDraws);
  scratch.fill(0);
  const table = (w.alias ??= aliasTable(w));
  const k = w.valuesMs.length;
  for (let d = 0; d < m; d++) {
    const u = rng() * k;
    const i = Math.floor(u);
    const pick = u - i < (table.prob[i] ?? 1) ? i : (table.alias[i] ?? i);
    scratch[pick] = (scratch[pick] ?? 0) + 1;
  }
  const v = statOfCounts(w.valuesMs, scratch, m, stat);
  return point + (v - point) * Math.sqrt(m / w.count);
}

export interface BootstrapOptions {
  /** Replicates; 1000 gives stable 95% bounds. */
  iterations?: number;
  /** Values drawn per replicate at most (see `replicate`). */
  maxDraws?: number;
  seed?: number;
  /** Confidence level, 0.95 by default. */
  level?: number;
}

export interface DiffEstimate {
  stat: BootStat;
  baselineMs: number;
  candidateMs: number;
  /** candidate − baseline, ms. */
  diffMs: number;
  diffLowMs: number;
  diffHighMs: number;
  /** candidate / baseline − 1 (0.1 = 10% slower). */
  relative: number;
  relativeLow: number;
  relativeHigh: number;
  level: number;
  /** True when the interval of the difference excludes 0. */
  significant: boolean;
  baselineCount: number;
  candidateCount: number;
}

function quantileSorted(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

/**
 * Percentile-bootstrap CI of (candidate − baseline) and of candidate/baseline − 1 for one statistic.
 * Both samples are resampled independently in every replicate. Returns null when either side is empty.
 */
export function bootstrapDiff(baseline: WeightedSample, candidate: WeightedSample, stat: BootStat, opts: BootstrapOptions = {}): DiffEstimate | null {
  if (baseline.count === 0 || candidate.count === 0) return null;
  const iterations = opts.iterations ?? 1000;
  const maxDraws = opts.maxDraws ?? 10_000;
  const level = opts.level ?? 0.95;
  const rng = seededRandom(opts.seed ?? 0x5eed);
  const pointA = statOf(baseline, stat);
  const pointB = statOf(candidate, stat);
  const scratchA = new Uint32Array(baseline.valuesMs.length);
  const scratchB = new Uint32Array(candidate.valuesMs.length);
  const diffs: number[] = [];
  const rels: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const a = replicate(baseline, stat, pointA, rng, maxDraws, scratchA);
    const b = replicate(candidate, stat, pointB, rng, maxDraws, scratchB);
    diffs.push(b - a);
    rels.push(a > 0 ? b / a - 1 : Number.NaN);
  }
  diffs.sort((x, y) => x - y);
  const relsOk = rels.filter((r) => Number.isFinite(r)).sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  const diffLowMs = quantileSorted(diffs, tail);
  const diffHighMs = quantileSorted(diffs, 1 - tail);
  return {
    stat,
    baselineMs: pointA,
    candidateMs: pointB,
    diffMs: pointB - pointA,
    diffLowMs,
    diffHighMs,
    relative: pointA > 0 ? pointB / pointA - 1 : Number.NaN,
    relativeLow: quantileSorted(relsOk, tail),
    relativeHigh: quantileSorted(relsOk, 1 - tail),
    level,
    significant: diffLowMs > 0 || diffHighMs < 0,
    baselineCount: baseline.count,
    candidateCount: candidate.count,
  };
}

export type Verdict = 'regression' | 'improvement' | 'within noise';

/** Higher latency is worse: a significant increase is a regression. */
export function verdictOf(d: DiffEstimate): Verdict {
  if (!d.significant) return 'within noise';
  return d.diffMs > 0 ? 'regression' : 'improvement';
}


export interface RunLevelDiff {
  /** Geometric means of the per-run values, ms. */
  baselineMs: number;
  candidateMs: number;
  /** candidate / baseline − 1, with its CI (Welch on log values: a run is one observation). */
  relative: number;
  relativeLow: number;
  relativeHigh: number;
  /** candidate − baseline of the geometric means, ms, and the CI mapped through the baseline. */
  diffMs: number;
  diffLowMs: number;
  diffHighMs: number;
  level: number;
  significant: boolean;
  baselineRuns: number;
  candidateRuns: number;
}

function meanVar(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
}

/**
 * CI of the change between two sets of runs, one value per run (e.g. each run's p50): Welch's t interval on
 * the log of the values, so the change is relative and run-to-run variation — not the spread of calls within a
 * run — sets its width. Needs at least 2 positive values per side; null otherwise.
 */
export function runLevelDiff(baseline: readonly number[], candidate: readonly number[], level = 0.95): RunLevelDiff | null {
  const a = baseline.filter((x) => x > 0 && Number.isFinite(x)).map(Math.log);
  const b = candidate.filter((x) => x > 0 && Number.isFinite(x)).map(Math.log);
  if (a.length < 2 || b.length < 2) return null;
  const ma = meanVar(a);
  const mb = meanVar(b);
  const va = ma.variance / a.length;
  const vb = mb.variance / b.length;
  const se = Math.sqrt(va + vb);
  const d = mb.mean - ma.mean;
  // Welch–Satterthwaite degrees of freedom; identical values on both sides give se = 0 (then df is moot).
  const df = se === 0 ? Math.max(1, a.length + b.length - 2) : (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const t = tQuantile(1 - (1 - level) / 2, df);
  const lo = d - t * se;
  const hi = d + t * se;
  const baselineMs = Math.exp(ma.mean);
  const candidateMs = Math.exp(mb.mean);
  return {
    baselineMs,
    candidateMs,
    relative: Math.exp(d) - 1,
    relativeLow: Math.exp(lo) - 1,
    relativeHigh: Math.exp(hi) - 1,
    diffMs: candidateMs - baselineMs,
    diffLowMs: baselineMs * (Math.exp(lo) - 1),
    diffHighMs: baselineMs * (Math.exp(hi) - 1),
    level,
    significant: lo > 0 || hi < 0,
    baselineRuns: a.length,
    candidateRuns: b.length,
  };
}
