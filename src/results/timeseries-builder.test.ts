import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNdjson, parseRfc3339Ms } from './ndjson.ts';
import type { MetricType, ValueType } from './metrics.ts';
import { TimeSeriesBuilder, type SeriesMetric } from './timeseries-builder.ts';
import { counterRateSeries, gaugeSeries, pairsOf, rateSeries, timeSeriesProblem, totals, trendSeries } from './timeseries.ts';

const m = (name: string, type: MetricType, contains: ValueType = 'default'): SeriesMetric => ({ name, type, contains });
const LATENCY = m('s2s_latency_ms', 'trend', 'time');
const ERRORS = m('s2s_errors', 'rate');
const REQS = m('http_reqs', 'counter');
const VUS = m('vus', 'gauge');
const T0 = Date.UTC(2026, 10, 29, 15, 0, 0);
const SEC = { source: 'local', target: 'pong-sec' };
const UNSEC = { source: 'local', target: 'pong-unsec' };

describe('TimeSeriesBuilder', () => {
  it('puts each sample in the period of its own timestamp, from the first sample on', () => {
    const b = new TimeSeriesBuilder(1000);
    b.add(REQS, 1, {}, T0 + 10);
    b.add(REQS, 1, {}, T0 + 900);
    b.add(REQS, 1, {}, T0 + 1500);
    b.add(REQS, 1, {}, T0 + 3100);
    expect(b.closeUntil(T0 + 1000)).toEqual([]); // period 0 ends at T0 + 10 + 1000
    const rows = b.closeUntil(T0 + 2010);
    expect(rows.map((r) => [r.startMs, r.counters.http_reqs])).toEqual([
      [0, 2],
      [1000, 1],
    ]);
    const rest = b.finish();
    // an empty period is still a row, so the time axis has no holes
    expect(rest.map((r) => [r.startMs, r.counters.http_reqs ?? 0])).toEqual([
      [2000, 0],
      [3000, 1],
    ]);
    expect(rest.at(-1)?.durationMs).toBe(90); // the last period lasted until the last sample
    expect(b.doc().periods).toHaveLength(4);
  });

  it('a sample for a period already closed counts in the oldest open one (late stream)', () => {
    const b = new TimeSeriesBuilder(1000, T0);
    b.add(REQS, 1, {}, T0 + 100);
    b.closeUntil(T0 + 1000);
    b.add(REQS, 5, {}, T0 + 200);
    expect(b.finish().map((r) => [r.startMs, r.counters.http_reqs])).toEqual([[1000, 5]]);
  });

  it('keeps whole-metric and source → target pair keys for trends, rates and counters; gauges whole only', () => {
    const b = new TimeSeriesBuilder(1000, T0);
    for (let i = 1; i <= 100; i++) b.add(LATENCY, i / 10, SEC, T0 + i);
    b.add(LATENCY, 50, UNSEC, T0 + 200);
    b.add(ERRORS, 1, SEC, T0 + 300);
    b.add(ERRORS, 0, SEC, T0 + 301);
    b.add(ERRORS, 0, UNSEC, T0 + 302);
    b.add(VUS, 3, {}, T0 + 400);
    b.add(VUS, 7, {}, T0 + 500);
    const [row] = b.finish(T0 + 1000);
    expect(Object.keys(row!.trends).sort()).toEqual(['s2s_latency_ms', 's2s_latency_ms{source:local,target:pong-sec}', 's2s_latency_ms{source:local,target:pong-unsec}']);
    const sec = row!.trends['s2s_latency_ms{source:local,target:pong-sec}']!;
    expect(sec.n).toBe(100);
    expect(sec.minMs).toBe(0.1);
    expect(sec.maxMs).toBe(10);
    expect(sec.meanMs).toBeCloseTo(5.05, 3);
    expect(sec.p50Ms).toBeCloseTo(5, 1);
    expect(sec.p99Ms).toBeCloseTo(9.9, 1);
    expect(row!.trends.s2s_latency_ms!.n).toBe(101);
    expect(row!.rates).toEqual({
      s2s_errors: { passes: 1, total: 3 },
      's2s_errors{source:local,target:pong-sec}': { passes: 1, total: 2 },
      's2s_errors{source:local,target:pong-unsec}': { passes: 0, total: 1 },
    });
    expect(row!.gauges).toEqual({ vus: 7 });
  });

  it('skips Trends that do not hold times, and non-finite values', () => {
    const b = new TimeSeriesBuilder(1000, T0);
    b.add(m('bytes', 'trend', 'data'), 5, {}, T0);
    b.add(LATENCY, Number.NaN, {}, T0);
    b.add(REQS, 1, {}, Number.NaN);
    expect(b.finish(T0 + 10)[0]?.trends).toEqual({});
  });

  it('rejects a period that is not a positive number of ms', () => {
    expect(() => new TimeSeriesBuilder(0)).toThrow(/positive/);
  });
});

describe('time-series readers', () => {
  const b = new TimeSeriesBuilder(500, T0);
  b.add(REQS, 10, {}, T0 + 1);
  b.add(REQS, 20, {}, T0 + 501);
  b.add(VUS, 4, {}, T0 + 2);
  b.add(LATENCY, 2, SEC, T0 + 3);
  b.add(LATENCY, 4, SEC, T0 + 502);
  b.add(ERRORS, 1, UNSEC, T0 + 503);
  b.finish(T0 + 1000);
  const doc = b.doc();

  it('rates per second, gauges carried forward, stats per period, totals and pairs', () => {
    expect(timeSeriesProblem(JSON.parse(JSON.stringify(doc)))).toBeNull();
    expect(counterRateSeries(doc, 'http_reqs')).toEqual([
      { tS: 0, perSec: 20 },
      { tS: 0.5, perSec: 40 },
    ]);
    expect(gaugeSeries(doc, 'vus')).toEqual([
      { tS: 0, value: 4 },
      { tS: 0.5, value: 4 },
    ]);
    expect(trendSeries(doc, 's2s_latency_ms{source:local,target:pong-sec}', 'meanMs').map((p) => p.value)).toEqual([2, 4]);
    expect(rateSeries(doc, 's2s_errors{source:local,target:pong-unsec}')).toEqual([{ tS: 0.5, fraction: 1, passes: 1, total: 1 }]);
    expect(totals(doc, 's2s_latency_ms')).toMatchObject({ n: 2, meanMs: 3, maxMs: 4 });
    expect(totals(doc, 'http_reqs').count).toBe(30);
    expect(pairsOf(doc, 's2s_latency_ms').map((p) => p.label)).toEqual(['local → pong-sec']);
    expect(pairsOf(doc, 's2s_errors').map((p) => p.label)).toEqual(['local → pong-unsec']);
  });

  it.each([
    [null, 'not a JSON object'],
    [{ version: 2, periodMs: 1, periods: [] }, 'version'],
    [{ version: 1, periodMs: 0, periods: [] }, 'periodMs'],
    [{ version: 1, periodMs: 1000, periods: [{ startMs: 0 }] }, 'periods[0]'],
  ])('timeSeriesProblem(%j) names the problem', (value, problem) => {
    expect(timeSeriesProblem(value)).toContain(problem);
  });
});

describe('from real k6 v1.3.0 --out json (differential)', () => {
  it('whole-run totals of the periods equal k6\'s own summary counts', async () => {
    const dir = path.resolve(import.meta.dirname, '../../test/fixtures/k6-v1.3.0/pass');
    const summary = (await import(path.join(dir, 'handle-summary.json'), { with: { type: 'json' } })).default as { metrics: Record<string, { values: Record<string, number> }> };
    const b = new TimeSeriesBuilder(1000);
    const metrics = new Map<string, SeriesMetric>();
    for await (const line of readNdjson(path.join(dir, 'out.ndjson.gz'))) {
      if (line.type === 'Metric') metrics.set(line.metric, line.data);
      else b.add(metrics.get(line.metric)!, line.data.value, line.data.tags ?? {}, parseRfc3339Ms(line.data.time));
    }
    b.finish();
    const doc = b.doc();
    expect(doc.periods.length).toBeGreaterThanOrEqual(2);
    const v = (key: string) => summary.metrics[key]!.values;
    expect(totals(doc, 'http_reqs').count).toBe(v('http_reqs').count);
    expect(totals(doc, 'iterations').count).toBe(v('iterations').count);
    expect(totals(doc, 's2s_calls').count).toBe(v('s2s_calls').count);
    const failed = totals(doc, 'http_req_failed');
    expect([failed.passes, failed.total - failed.passes]).toEqual([v('http_req_failed').passes, v('http_req_failed').fails]);
    // the mean of all periods, weighted by samples, is k6's avg (HDR percentiles aside, means are exact)
    expect(totals(doc, 'http_req_duration').meanMs).toBeCloseTo(v('http_req_duration').avg!, 2);
    expect(pairsOf(doc, 's2s_latency_ms').map((p) => p.label).sort()).toEqual(['→ pong-sec', '→ pong-unsec']);
  });
});
