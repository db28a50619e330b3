import { describe, expect, it } from 'vitest';
import { aggregationOf, mergeThresholds, parseThresholdFlag } from './thresholds.ts';
import { defaultThresholds, DEFAULT_THRESHOLDS } from './default-thresholds.ts';

describe('parseThresholdFlag', () => {
  it.each([
    ['s2s_latency_ms=p(95)<20', 's2s_latency_ms', 'p(95)<20'],
    ["s2s_latency_ms{target:pong-sec}=p(99.9) < 50", 's2s_latency_ms{target:pong-sec}', 'p(99.9)<50'],
    ['s2s_latency_ms{ source:local , target:pong-sec }=avg<=3', 's2s_latency_ms{source:local,target:pong-sec}', 'avg<=3'],
    ['s2s_errors=rate<0.01', 's2s_errors', 'rate<0.01'],
    ['s2s_calls=count>=1000', 's2s_calls', 'count>=1000'],
    ['s2s_latency_ms=p(95)<0.001', 's2s_latency_ms', 'p(95)<0.001'],
  ])('%s', (flag, metric, expression) => {
    expect(parseThresholdFlag(flag)).toEqual({ metric, expression });
  });

  it.each([
    ['s2s_latency_ms', 'no "="'],
    ['=p(95)<20', 'no "="'],
    ['s2s latency=p(95)<20', 'is not a metric name'],
    ['s2s_latency_ms{target}=p(95)<20', 'tag filter "target" is not tag:value'],
    ['s2s_latency_ms=p95<20', 'is not an expression like p(95)<20'],
    ['s2s_latency_ms=p(95)<', 'is not an expression'],
    ['s2s_latency_ms=p(101)<3', 'a percentile is p(N) with N from 0 to 100'],
  ])('rejects %s with a clear error', (flag, reason) => {
    expect(() => parseThresholdFlag(flag)).toThrow(reason);
    expect(() => parseThresholdFlag(flag)).toThrow(`--threshold ${JSON.stringify(flag)}`);
  });
});

describe('mergeThresholds', () => {
  const defaults = { s2s_latency_ms: ['p(95)<50', 'avg<20'], s2s_errors: ['rate<0.01'] };

  it('same metric + same aggregation replaces; a new aggregation is added; a new key is added', () => {
    const merged = mergeThresholds(defaults, [
      { metric: 's2s_latency_ms', expression: 'p(95)<0.001' },
      { metric: 's2s_latency_ms', expression: 'p(99)<80' },
      { metric: 's2s_latency_ms{target:pong-sec}', expression: 'p(95)<20' },
    ]);
    expect(merged).toEqual({
      s2s_latency_ms: ['p(95)<0.001', 'avg<20', 'p(99)<80'],
      s2s_errors: ['rate<0.01'],
      's2s_latency_ms{target:pong-sec}': ['p(95)<20'],
    });
    expect(defaults.s2s_latency_ms).toEqual(['p(95)<50', 'avg<20']);
  });

  it('the last flag wins among flags on the same aggregation', () => {
    const merged = mergeThresholds({}, [
      { metric: 's2s_errors', expression: 'rate<0.1' },
      { metric: 's2s_errors', expression: 'rate<0.5' },
    ]);
    expect(merged.s2s_errors).toEqual(['rate<0.5']);
  });

  it('aggregationOf', () => {
    expect(aggregationOf('p(95)<20')).toBe('p(95)');
    expect(aggregationOf('p( 99.9 ) < 20')).toBe('p(99.9)');
    expect(aggregationOf('rate<0.01')).toBe('rate');
  });
});

describe('default thresholds', () => {
  it('every platform gates errors and warm latency, and every default parses as a flag would', () => {
    for (const platform of ['local', 'cloudrun', 'gke', 'cross'] as const) {
      const t = defaultThresholds(platform);
      expect(t.s2s_errors).toBeDefined();
      expect(t.s2s_latency_ms).toBeDefined();
      for (const [metric, list] of Object.entries(t)) for (const e of list) expect(parseThresholdFlag(`${metric}=${e}`).expression).toBe(e);
    }
  });
  it('hands out copies', () => {
    defaultThresholds('local').s2s_errors?.push('rate<0.5');
    expect(DEFAULT_THRESHOLDS.local.s2s_errors).toEqual(['rate<0.01']);
  });
});
