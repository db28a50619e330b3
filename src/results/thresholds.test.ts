import { describe, expect, it } from 'vitest';
import { MetricRegistry, defineBuiltinMetrics } from './metrics.ts';
import {
  ThresholdConfigError,
  aggregationOf,
  crossedMessage,
  parseDurationMs,
  parseThresholdExpression,
  parseThresholds,
} from './thresholds.ts';

describe('threshold expressions', () => {
  it.each([
    ['p(95)<500', 'p(95)', '<', 500],
    ['p(99.9) <= 1.5', 'p(99.9)', '<=', 1.5],
    ['p( 90 )>0', 'p(90)', '>', 0],
    ['avg<1000', 'avg', '<', 1000],
    ['min>=0.001', 'min', '>=', 0.001],
    ['max < 2e3', 'max', '<', 2000],
    ['med==10', 'med', '==', 10],
    ['count===3', 'count', '===', 3],
    ['rate!=0', 'rate', '!=', 0],
    ['rate<0.01', 'rate', '<', 0.01],
    ['value > -5', 'value', '>', -5],
    ['  count>10  ', 'count', '>', 10],
    ['p(0)<1', 'p(0)', '<', 1],
    ['p(100)<1', 'p(100)', '<', 1],
  ])('parses %j', (expr, aggregation, operator, value) => {
    expect(parseThresholdExpression(expr, 'm')).toEqual({ aggregation, operator, value });
  });

  it.each([
    ['', /expected "<aggregation> <operator> <number>"/],
    ['p95<500', /expected/],
    ['p(95)', /expected/],
    ['p(95)<', /expected/],
    ['p(95)<abc', /expected/],
    ['avg=<5', /expected/],
    ['avg=5', /expected/],
    ['avg<<5', /expected/],
    ['mean<5', /expected/],
    ['p(101)<5', /not a percentile/],
    ['p(abc)<5', /not a percentile/],
    ['p()<5', /not a percentile/],
    ['avg<5ms', /expected/],
    ['avg<5 and max<6', /expected/],
  ])('rejects %j with a message naming the metric and expression', (expr, why) => {
    expect(() => parseThresholdExpression(expr, 'http_req_duration')).toThrow(ThresholdConfigError);
    expect(() => parseThresholdExpression(expr, 'http_req_duration')).toThrow(why);
    expect(() => parseThresholdExpression(expr, 'http_req_duration')).toThrow(`"${expr}" on metric "http_req_duration"`);
  });
});

describe('durations', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['250ms', 250],
    ['1h', 3_600_000],
    ['0', 0],
    [500, 500],
  ])('%j → %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
  it.each(['', '10', '10x', 's', '-1s', '1s2', true, -5, null])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });
});

describe('parseThresholds', () => {
  const registry = (): MetricRegistry => {
    const r = new MetricRegistry();
    defineBuiltinMetrics(r);
    r.define('s2s_latency_ms', 'trend', 'time');
    r.define('s2s_ok', 'rate');
    r.define('s2s_calls', 'counter');
    r.define('s2s_last_ms', 'gauge');
    return r;
  };

  it('accepts the fixture thresholds (short, long form, tag-filtered) and declares sub-metrics', () => {
    const r = registry();
    const set = parseThresholds(
      {
        's2s_latency_ms{target:pong-sec}': ['p(95)<500', 'avg<1000'],
        s2s_ok: ['rate>0.5'],
        s2s_calls: ['count>10'],
        http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: false }],
        'http_req_duration{kind:load}': ['p(99)<1000'],
        checks: ['rate>0.5'],
        'http_req_duration{scenario:probe}': [],
      },
      r,
    );
    expect(set.metricKeys()).toEqual([
      's2s_latency_ms{target:pong-sec}',
      's2s_ok',
      's2s_calls',
      'http_req_failed',
      'http_req_duration{kind:load}',
      'checks',
      'http_req_duration{scenario:probe}',
    ]);
    expect(set.expressionsFor('s2s_latency_ms{target:pong-sec}')).toEqual(['p(95)<500', 'avg<1000']);
    expect(set.expressionsFor('http_req_duration{scenario:probe}')).toEqual([]);
    expect(r.getSubmetric('http_req_duration{scenario:probe}')).toBeDefined();
    expect(r.getSubmetric('s2s_latency_ms{target:pong-sec}')).toBeDefined();
    set.validate(r);
  });

  it('ignores fields of the long form it does not know, as k6 does', () => {
    const set = parseThresholds({ checks: [{ threshold: 'rate>0.9', abortOnFial: true }] });
    expect(set.all()[0]).toMatchObject({ expression: 'rate>0.9', abortOnFail: false });
  });

  it('reads long form abortOnFail and delayAbortEval', () => {
    const set = parseThresholds({ http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '10s' }] });
    expect(set.all()[0]).toMatchObject({ abortOnFail: true, delayAbortEvalMs: 10_000, aggregation: 'rate', operator: '<', value: 0.1 });
  });

  it.each([
    ['not an object', ['p(95)<1'], /expected an object/],
    ['a string instead of an array', { http_req_duration: 'p(95)<1' }, /"http_req_duration": expected an array/],
    ['a number in the array', { http_req_duration: [5] }, /expected a string like/],
    ['a bad expression', { http_req_duration: ['p(95)<'] }, /"p\(95\)<" on metric "http_req_duration"/],
    ['an invalid metric name', { 'bad-name': ['avg<1'] }, /invalid threshold metric "bad-name"/],
    ['a broken sub-metric key', { 'http_req_duration{kind}': ['avg<1'] }, /tag:value/],
    ['a long form without threshold', { checks: [{ abortOnFail: true }] }, /needs a "threshold" string/],
    ['a non-boolean abortOnFail', { checks: [{ threshold: 'rate>0.9', abortOnFail: 'yes' }] }, /abortOnFail must be true or false/],
    ['a bad delayAbortEval', { checks: [{ threshold: 'rate>0.9', delayAbortEval: 'soon' }] }, /delayAbortEval "soon" is not a duration/],
    ['avg on a counter', { s2s_calls: ['avg<1'] }, /"avg" is not supported by a counter metric; use count, rate/],
    ['count on a rate', { checks: ['count>1'] }, /not supported by a rate metric; use rate/],
    ['rate on a gauge', { s2s_last_ms: ['rate>1'] }, /not supported by a gauge metric; use value/],
    ['value on a trend', { 'http_req_duration{kind:load}': ['value<1'] }, /not supported by a trend metric/],
    ['p(N) on a rate', { http_req_failed: ['p(95)<1'] }, /not supported by a rate metric/],
    ['count on a trend (k6 v1.3.0 has none)', { http_req_duration: ['count>1'] }, /not supported by a trend metric; use avg, min, med, max, p\(N\)/],
  ])('rejects %s', (_what, input, why) => {
    expect(() => parseThresholds(input, registry())).toThrow(ThresholdConfigError);
    expect(() => parseThresholds(input, registry())).toThrow(why);
  });

  it('validate() rejects thresholds on metrics that do not exist', () => {
    const set = parseThresholds({ 'no_such_metric{a:b}': ['avg<1'] }, registry());
    expect(() => set.validate(registry())).toThrow(/no metric named "no_such_metric" is defined/);
  });
});

describe('ThresholdSet.evaluate', () => {
  it('evaluates every aggregation and reports crossed metrics like k6', () => {
    const r = new MetricRegistry();
    defineBuiltinMetrics(r);
    r.define('lat', 'trend', 'time');
    r.define('calls', 'counter');
    const set = parseThresholds(
      {
        'lat{t:a}': ['p(95)<500', 'avg<1000', 'max<=10', 'min>=1', 'med>=5.4'],
        calls: ['count>10', 'rate>=5'],
        checks: ['rate>0.5'],
        vus: ['value!=0'],
      },
      r,
    );
    for (let i = 1; i <= 10; i++) r.add('lat', i, { t: 'a' });
    r.add('lat', 5000, { t: 'b' });
    for (let i = 0; i < 10; i++) r.add('calls', 1, {});
    r.add('vus', 0, {});
    const ev = set.evaluate(r, { elapsedMs: 2000, final: true });
    const byExpr = Object.fromEntries(ev.results.map((x) => [`${x.metric} ${x.expression}`, x]));
    expect(byExpr['lat{t:a} p(95)<500']).toMatchObject({ ok: true });
    expect(byExpr['lat{t:a} max<=10']).toMatchObject({ ok: true, observed: 10 });
    expect(byExpr['lat{t:a} min>=1']).toMatchObject({ ok: true, observed: 1 });
    expect(byExpr['lat{t:a} med>=5.4']!.observed).toBeCloseTo(5.5, 2);
    expect(byExpr['calls count>10']).toMatchObject({ ok: false, observed: 10 });
    expect(byExpr['calls rate>=5']).toMatchObject({ ok: true, observed: 5 });
    // No samples: k6 does not evaluate the threshold.
    expect(byExpr['checks rate>0.5']).toMatchObject({ ok: true, observed: null });
    expect(byExpr['vus value!=0']).toMatchObject({ ok: false, observed: 0 });
    expect(ev.crossedMetrics).toEqual(['calls', 'vus']);
    expect(ev.abort).toBe(false);
    expect(crossedMessage(ev.crossedMetrics)).toBe("thresholds on metrics 'calls, vus' have been crossed");
  });

  it('fails (does not crash on) an aggregation the metric type lacks when validate() was skipped', () => {
    const set = parseThresholds({ lat: ['value<1', 'avg<1'] });
    const r = new MetricRegistry();
    r.define('lat', 'trend', 'time');
    r.add('lat', 0.5, {});
    const ev = set.evaluate(r, { elapsedMs: 1, final: true });
    expect(ev.results.map((x) => [x.expression, x.ok, x.observed])).toEqual([
      ['value<1', false, null],
      ['avg<1', true, 0.5],
    ]);
  });

  it('aborts on a failed abortOnFail threshold only after delayAbortEval, and never on the final evaluation', () => {
    const r = new MetricRegistry();
    defineBuiltinMetrics(r);
    const set = parseThresholds({ http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '10s' }] }, r);
    r.add('http_req_failed', 1, {});
    expect(set.evaluate(r, { elapsedMs: 5000, final: false }).abort).toBe(false);
    expect(set.evaluate(r, { elapsedMs: 10_000, final: false }).abort).toBe(true);
    const final = set.evaluate(r, { elapsedMs: 10_000, final: true });
    expect(final.abort).toBe(false);
    expect(final.crossedMetrics).toEqual(['http_req_failed']);
  });
});

describe('aggregationOf', () => {
  it.each([
    ['p(95)<20', 'p(95)'],
    ['p( 99.9 ) < 5', 'p(99.9)'],
    ['p(95.0)<5', 'p(95)'],
    ['rate<0.01', 'rate'],
    ['avg<=3', 'avg'],
    ['count>10', 'count'],
    ['med not an expression', 'med'],
  ])('%s → %s', (expr, agg) => expect(aggregationOf(expr)).toBe(agg));
});
