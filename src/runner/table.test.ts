import { describe, expect, it } from 'vitest';
import { formatMs, pairRows, renderTable } from './table.ts';
import { renderVerdicts, thresholdVerdicts, type SummaryLike } from './verdicts.ts';

const key = (m: string, t: string) => `${m}{source:local,target:${t}}`;
const trend = (values: Record<string, number>, thresholds?: Record<string, { ok: boolean }>) => ({ type: 'trend', contains: 'time', values, ...(thresholds ? { thresholds } : {}) });

const summary: SummaryLike = {
  metrics: {
    [key('s2s_first_ms', 'pong-sec')]: trend({ avg: 110, med: 100, max: 120, count: 2 }),
    [key('s2s_token_ms', 'pong-sec')]: trend({ avg: 60, med: 55, count: 2 }),
    [key('s2s_tls_ms', 'pong-sec')]: trend({ avg: 20, med: 18, count: 2 }),
    [key('s2s_first_cold', 'pong-sec')]: { type: 'rate', values: { rate: 1, passes: 2, fails: 0 } },
    [key('s2s_latency_ms', 'pong-sec')]: trend({ avg: 2, med: 1.5, 'p(95)': 4, 'p(99)': 8, count: 1998 }),
    [key('s2s_errors', 'pong-sec')]: { type: 'rate', values: { rate: 0.001, passes: 2, fails: 1998 } },
    [key('s2s_calls', 'pong-sec')]: { type: 'counter', values: { count: 2000, rate: 100 } },
    [key('s2s_latency_ms', 'external')]: trend({ count: 0 }),
    s2s_latency_ms: trend({ avg: 2, 'p(95)': 4 }, { 'p(95)<0.001': { ok: false }, 'avg<50': { ok: true } }),
    s2s_errors: { type: 'rate', values: { rate: 0.001, passes: 2, fails: 1998 }, thresholds: { 'rate<0.01': { ok: true } } },
  },
};

describe('pairRows', () => {
  it("computes the post's mean of all calls from avg × count of first and warm calls", () => {
    const [row, empty] = pairRows(summary, [
      { source: 'local', target: 'pong-sec', auth: 'id-token' },
      { source: 'local', target: 'external', auth: 'none' },
    ]);
    expect(row).toMatchObject({ firstMedMs: 100, firstMaxMs: 120, firstCount: 2, cold: { cold: 2, of: 2 }, tokenMedMs: 55, tlsMedMs: 18, warmMeanMs: 2, warmP50Ms: 1.5, warmP95Ms: 4, warmP99Ms: 8, errors: 2, calls: 2000 });
    expect(row?.meanAllMs).toBeCloseTo((110 * 2 + 2 * 1998) / 2000);
    expect(empty).toMatchObject({ firstMedMs: null, cold: null, meanAllMs: null, warmMeanMs: null, errors: 0, calls: 0 });
  });
});

describe('renderTable', () => {
  it('one row per pair: first call as median (max, n) over batches, cold count, token/TLS medians, errors with their rate', () => {
    const text = renderTable(pairRows(summary, [
      { source: 'local', target: 'pong-sec', auth: 'id-token' },
      { source: 'local', target: 'external', auth: 'none' },
    ]));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^source → target\s+auth\s+first ms: median \(max, n\)\s+cold\s+token\s+TLS\s+mean all\s+warm mean\s+p50\s+p95\s+p99\s+errors\s+n$/);
    expect(lines[2]).toContain('local → pong-sec');
    expect(lines[2]).toContain('100.0 (max 120.0, n=2)');
    expect(lines[2]).toMatch(/\s2\/2\s+55\.00\s+18\.00\s/);
    expect(lines[2]).toContain('2 (0.10%)');
    expect(lines[2]).toMatch(/2000$/);
    expect(lines[3]).toMatch(/^local → external\s+none\s+-(\s+-){8}\s+0\s+0$/);
    // columns line up: the last column is right-aligned, so every line has the same width
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
  });

  it('formatMs keeps µs on small values', () => {
    expect(formatMs(0.4123)).toBe('0.412');
    expect(formatMs(12.345)).toBe('12.35');
    expect(formatMs(123.45)).toBe('123.5');
    expect(formatMs(null)).toBe('-');
  });
});

describe('threshold verdicts', () => {
  it('a Trend or Rate sub-metric without samples is "no samples", not ✓; a Counter at zero is a real 0', () => {
    const empty: SummaryLike = {
      metrics: {
        's2s_latency_ms{target:nope}': trend({ avg: 0, 'p(95)': 0, count: 0 }, { 'p(95)<20': { ok: true } }),
        's2s_errors{target:nope}': { type: 'rate', values: { rate: 0, passes: 0, fails: 0 }, thresholds: { 'rate<0.01': { ok: true } } },
        dropped_iterations: { type: 'counter', values: { count: 0, rate: 0 }, thresholds: { 'count<1': { ok: true } } },
      },
    };
    const v = thresholdVerdicts(empty);
    expect(v.map((x) => [x.metric, x.noSamples ?? false, x.observed])).toEqual([
      ['dropped_iterations', false, 0],
      ['s2s_errors{target:nope}', true, null],
      ['s2s_latency_ms{target:nope}', true, null],
    ]);
    const text = renderVerdicts(v);
    expect(text).toContain('thresholds: 1 passed, 0 crossed, 2 with no samples (nothing measured: not a pass)');
    expect(text).toContain("– s2s_latency_ms{target:nope} 'p(95)<20' no samples");
    expect(text).not.toContain('✓ s2s_latency_ms{target:nope}');
  });

  it('reads every threshold with its observed value and renders ✓/✗', () => {
    const v = thresholdVerdicts(summary);
    expect(v).toEqual([
      { metric: 's2s_errors', expression: 'rate<0.01', ok: true, observed: 0.001 },
      { metric: 's2s_latency_ms', expression: 'avg<50', ok: true, observed: 2 },
      { metric: 's2s_latency_ms', expression: 'p(95)<0.001', ok: false, observed: 4 },
    ]);
    const text = renderVerdicts(v);
    expect(text).toContain('thresholds: 2 passed, 1 crossed');
    expect(text).toContain("✗ s2s_latency_ms 'p(95)<0.001' p(95)=4ms");
    expect(text).toContain("✓ s2s_errors 'rate<0.01' rate=0.10%");
  });
});
