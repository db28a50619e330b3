import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.ts';

describe('LatencyHistogram', () => {
  it('keeps exact moments and percentiles within HDR precision', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 100); // 0.01 .. 10 ms
    const s = h.stats();
    expect(s.count).toBe(1000);
    expect(s.minMs).toBe(0.01);
    expect(s.maxMs).toBe(10);
    expect(s.meanMs).toBeCloseTo(5.005, 9);
    expect(Math.abs(s.p50Ms - 5) / 5).toBeLessThan(0.002);
    expect(Math.abs(s.p99Ms - 9.9) / 9.9).toBeLessThan(0.002);
    expect(s.stddevMs).toBeCloseTo(2.8867, 3);
  });

  it('survives a snapshot round trip and merges like one histogram', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (let i = 0; i < 5000; i++) {
      const v = 0.05 + (i % 97) * 0.013;
      (i % 2 ? a : b).record(v);
      all.record(v);
    }
    const merged = LatencyHistogram.fromSnapshot(JSON.parse(JSON.stringify(a.toSnapshot())));
    merged.merge(LatencyHistogram.fromSnapshot(b.toSnapshot()));
    expect(merged.count).toBe(all.count);
    expect(merged.sumMs).toBeCloseTo(all.sumMs, 6);
    for (const p of [50, 90, 99]) expect(merged.percentileMs(p)).toBe(all.percentileMs(p));
    const counted = merged.buckets().reduce((n, [, c]) => n + c, 0);
    expect(counted).toBe(5000);
  });

  it('reports zeros when empty rather than NaN', () => {
    const s = new LatencyHistogram().stats();
    expect(s).toMatchObject({ count: 0, minMs: 0, maxMs: 0, meanMs: 0, p99Ms: 0 });
  });
});
