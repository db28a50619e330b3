import { describe, expect, it } from 'vitest';
import {
  MetricError,
  MetricRegistry,
  TrendSink,
  EXACT_TREND_SAMPLES,
  defineBuiltinMetrics,
  isValidMetricName,
  parseMetricKey,
  type RegistryState,
} from './metrics.ts';

describe('metric names (k6 rules)', () => {
  it.each(['http_reqs', 's2s_latency_ms', '_x', 'été_1', 'a'.repeat(128)])('accepts %s', (n) => {
    expect(isValidMetricName(n)).toBe(true);
  });
  it.each(['', '1abc', 'with space', 'dash-name', 'dot.name', 'a'.repeat(129), 'x{y:z}'])('rejects %j', (n) => {
    expect(isValidMetricName(n)).toBe(false);
    expect(() => new MetricRegistry().define(n, 'counter')).toThrow(MetricError);
  });
});

describe('MetricRegistry.define', () => {
  it('is idempotent for the same type and refuses a conflicting redefinition', () => {
    const r = new MetricRegistry();
    const a = r.define('m', 'trend', 'time');
    expect(r.define('m', 'trend', 'time')).toBe(a);
    expect(() => r.define('m', 'counter')).toThrow(/already defined as trend \(time\)/);
    expect(() => r.define('m', 'trend')).toThrow(MetricError);
  });
  it('declares http_req_duration{expected_response:true} after pending threshold sub-metrics', () => {
    const r = new MetricRegistry();
    r.addSubmetric('http_req_duration{kind:load}');
    defineBuiltinMetrics(r);
    expect(r.get('http_req_duration')!.submetrics.map((s) => s.key)).toEqual([
      'http_req_duration{kind:load}',
      'http_req_duration{expected_response:true}',
    ]);
  });
  it('throws when adding to an undefined metric', () => {
    expect(() => new MetricRegistry().add('nope', 1, {})).toThrow(/no metric named "nope"/);
  });
});

describe('parseMetricKey', () => {
  it.each([
    ['http_req_duration', 'http_req_duration', null, {}],
    ['http_req_duration{kind:load}', 'http_req_duration', 'kind:load', { kind: 'load' }],
    [' m{ b : 2 , a:1 } ', 'm', 'b : 2 , a:1', { a: '1', b: '2' }],
    ['m{name:"a, b"}', 'm', 'name:"a, b"', { name: 'a, b' }],
    ["m{url:'http://x:1/y'}", 'm', "url:'http://x:1/y'", { url: 'http://x:1/y' }],
    ['m{status:}', 'm', 'status:', { status: '' }],
  ])('parses %j', (key, name, suffix, tags) => {
    expect(parseMetricKey(key)).toEqual({ name, suffix, tags });
  });
  it.each(['m{', 'm{}', 'm{novalue}', 'm{:x}', 'm}', 'm{a:"x}'])('rejects %j with a message naming it', (key) => {
    expect(() => parseMetricKey(key)).toThrow(MetricError);
    expect(() => parseMetricKey(key)).toThrow(key);
  });
});

describe('sinks and sub-metrics', () => {
  it('feeds a sub-metric only when all its tags match', () => {
    const r = new MetricRegistry();
    r.define('lat', 'trend', 'time');
    const k = r.addSubmetric('lat{target:a, kind:x}');
    expect(k).toBe('lat{target:a, kind:x}');
    r.add('lat', 1, { target: 'a', kind: 'x', other: 'z' });
    r.add('lat', 2, { target: 'a' });
    r.add('lat', 3, { target: 'b', kind: 'x' });
    expect(r.lookup('lat')!.sink.samples).toBe(3);
    expect(r.lookup(k)!.sink.samples).toBe(1);
    expect(r.lookup(k)!.sink.aggregate('max', 0)).toBe(1);
  });
  it('counter, gauge and rate aggregate like k6', () => {
    const r = new MetricRegistry();
    r.define('c', 'counter');
    r.define('g', 'gauge');
    r.define('r', 'rate');
    for (const v of [1, 2, 3]) r.add('c', v, {});
    for (const v of [5, 1, 3]) r.add('g', v, {});
    for (const v of [1, 0, 1, 1]) r.add('r', v, {});
    expect(r.lookup('c')!.sink.aggregate('count', 2000)).toBe(6);
    expect(r.lookup('c')!.sink.aggregate('rate', 2000)).toBe(3);
    expect(r.lookup('g')!.sink.aggregate('value', 0)).toBe(3);
    expect(r.lookup('g')!.sink.aggregate('min', 0)).toBe(1);
    expect(r.lookup('g')!.sink.aggregate('max', 0)).toBe(5);
    expect(r.lookup('r')!.sink.aggregate('rate', 0)).toBe(0.75);
  });
  it('trend percentiles interpolate between neighbouring samples like k6, within HDR precision', () => {
    const t = new TrendSink();
    const values = Array.from({ length: 20 }, (_, i) => (i + 1) * 1.5);
    for (const v of values) t.add(v);
    const k6 = (p: number): number => {
      const rank = (p / 100) * (values.length - 1);
      const lo = Math.floor(rank);
      const hi = Math.ceil(rank);
      return values[lo]! + (values[hi]! - values[lo]!) * (rank - lo);
    };
    for (const p of [10, 50, 90, 95, 99.9]) {
      expect(Math.abs(t.aggregate(`p(${p})`) - k6(p)) / k6(p)).toBeLessThan(0.001);
    }
    expect(t.aggregate('med')).toBeCloseTo(k6(50), 1);
    expect(t.aggregate('min')).toBe(1.5);
    expect(t.aggregate('max')).toBe(30);
    expect(t.aggregate('avg')).toBeCloseTo(15.75, 10);
    expect(t.aggregate('count')).toBe(20);
    expect(() => t.aggregate('value')).toThrow(MetricError);
  });
  it('trend percentiles are exact (k6 keeps every sample) up to EXACT_TREND_SAMPLES, HDR-based past it', () => {
    const t = new TrendSink();
    for (const v of [30, 10, 20]) t.add(v);
    t.add(Number.NaN);
    expect(t.aggregate('med')).toBe(20);
    expect(t.aggregate('p(90)')).toBe(28);
    const big = new TrendSink();
    for (let i = 1; i <= EXACT_TREND_SAMPLES + 1; i++) big.add(i * 1.001);
    const med = big.aggregate('med');
    expect(med).not.toBe(5001 * 1.001);
    expect(Math.abs(med - 5001 * 1.001) / med).toBeLessThan(0.001);
  });
  it('notifies listeners with the sample and time', () => {
    const r = new MetricRegistry();
    const m = r.define('c', 'counter');
    const seen: unknown[] = [];
    r.onSample((metric, value, tags, timeMs) => seen.push([metric.name, value, tags, timeMs]));
    r.add(m, 2, { a: 'b' }, 1234.5);
    expect(seen).toEqual([['c', 2, { a: 'b' }, 1234.5]]);
  });
});

describe('toJSON / merge', () => {
  it('merging the states of two registries equals one registry that saw every sample', () => {
    const build = (): MetricRegistry => {
      const r = new MetricRegistry();
      r.define('lat', 'trend', 'time');
      r.addSubmetric('lat{t:a}');
      r.define('c', 'counter');
      r.define('g', 'gauge');
      r.define('ok', 'rate');
      return r;
    };
    const a = build();
    const b = build();
    const all = build();
    for (let i = 0; i < 200; i++) {
      const target = i < 100 ? a : b;
      const tags = { t: i % 2 ? 'a' : 'b' };
      for (const r of [target, all]) {
        r.add('lat', i * 0.37 + 0.1, tags);
        r.add('c', 1, tags);
        r.add('g', i, tags, 1000 + i);
        r.add('ok', i % 3, tags);
      }
    }
    const merged = new MetricRegistry();
    const roundTrip = (s: RegistryState): RegistryState => JSON.parse(JSON.stringify(s)) as RegistryState;
    merged.merge(roundTrip(a.toJSON()));
    merged.merge(roundTrip(b.toJSON()));
    for (const [key, aggs] of [
      ['lat', ['count', 'min', 'max', 'avg', 'p(95)', 'med']],
      ['lat{t:a}', ['count', 'min', 'max', 'avg', 'p(90)']],
      ['c', ['count']],
      ['g', ['value', 'min', 'max']],
      ['ok', ['rate']],
    ] as const) {
      for (const agg of aggs) {
        const got = merged.lookup(key)!.sink.aggregate(agg, 1000);
        const want = all.lookup(key)!.sink.aggregate(agg, 1000);
        // Merged trends know their samples only through the histogram: percentiles within its 0.1%.
        if (agg === 'med' || agg.startsWith('p(')) expect(Math.abs(got - want) / want).toBeLessThan(0.001);
        else expect(got).toBeCloseTo(want, 6);
      }
    }
  });
});
