import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.ts';
import { bootstrapDiff, seededRandom, statOf, verdictOf, weightedFromHistogram } from './stats.ts';

function normalHist(n: number, meanMs: number, sdMs: number, seed: number): LatencyHistogram {
  const r = seededRandom(seed);
  const h = new LatencyHistogram();
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
    h.record(Math.max(0.001, meanMs + sdMs * z));
  }
  return h;
}

describe('seededRandom', () => {
  it('is reproducible and uniform-ish', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('bootstrapDiff', () => {
  it.each([
    ['mean', 10, 12],
    ['p50', 10, 12],
    ['mean', 5, 5.25],
  ] as const)('%s: the CI covers the true difference of N(%d) vs N(%d) and is significant', (stat, a, b) => {
    const ha = normalHist(4000, a, 1, 1);
    const hb = normalHist(4000, b, 1, 2);
    const d = bootstrapDiff(weightedFromHistogram(ha), weightedFromHistogram(hb), stat, { seed: 3 })!;
    expect(d.diffLowMs).toBeLessThan(b - a);
    expect(d.diffHighMs).toBeGreaterThan(b - a);
    expect(d.significant).toBe(true);
    expect(verdictOf(d)).toBe('regression');
    expect(verdictOf(bootstrapDiff(weightedFromHistogram(hb), weightedFromHistogram(ha), stat, { seed: 3 })!)).toBe('improvement');
  });

  it('identical inputs are within noise, with a CI around 0', () => {
    const h = normalHist(3000, 8, 2, 5);
    const w = weightedFromHistogram(h);
    for (const stat of ['mean', 'p50', 'p99'] as const) {
      const d = bootstrapDiff(w, w, stat, { seed: 11 })!;
      expect(d.diffMs).toBe(0);
      expect(d.diffLowMs).toBeLessThanOrEqual(0);
      expect(d.diffHighMs).toBeGreaterThanOrEqual(0);
      expect(verdictOf(d)).toBe('within noise');
    }
  });

  it('two samples of one distribution are within noise', () => {
    const d = bootstrapDiff(weightedFromHistogram(normalHist(3000, 8, 2, 21)), weightedFromHistogram(normalHist(3000, 8, 2, 22)), 'mean', { seed: 1 })!;
    expect(d.significant).toBe(false);
  });

  it('is reproducible for a seed and the point estimate matches the histogram', () => {
    const ha = normalHist(50_000, 3, 0.5, 8);
    const hb = normalHist(50_000, 3.3, 0.5, 9);
    const wa = weightedFromHistogram(ha);
    const wb = weightedFromHistogram(hb);
    const d1 = bootstrapDiff(wa, wb, 'p50', { seed: 4 });
    expect(bootstrapDiff(wa, wb, 'p50', { seed: 4 })).toEqual(d1);
    expect(statOf(wa, 'mean')).toBeCloseTo(ha.meanMs, 2);
    expect(statOf(wa, 'p50')).toBeCloseTo(ha.percentileMs(50), 2);
    // m-out-of-n (50k values, 10k draws) still covers the truth
    expect(d1!.diffLowMs).toBeLessThan(0.3);
    expect(d1!.diffHighMs).toBeGreaterThan(0.3);
    expect(d1!.relativeLow).toBeLessThan(0.1);
    expect(d1!.relativeHigh).toBeGreaterThan(0.1);
  });

  it('returns null for an empty side', () => {
    expect(bootstrapDiff(weightedFromHistogram(new LatencyHistogram()), weightedFromHistogram(normalHist(10, 1, 0.1, 1)), 'mean')).toBeNull();
  });
});
