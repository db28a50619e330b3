import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MetricRegistry } from './metrics.ts';
import {
  DEFAULT_SUMMARY_TREND_STATS,
  SummaryConfigError,
  buildSummaryData,
  groupId,
  makeCheckNode,
  makeGroupNode,
  parseSummaryTimeUnit,
  parseSummaryTrendStats,
  toSummaryExport,
  type GroupNode,
  type SummaryData,
} from './summary.ts';
import { FIXTURE, summaryFromFixture } from './summary.fixture.ts';

const sorted = (o: object): string[] => Object.keys(o).sort();

describe.each(['pass', 'fail'] as const)('summary data from the %s fixture run', (run) => {
  it('has the same metric keys, value keys, exact counters/rates/gauges, trend stats and threshold verdicts as k6', async () => {
    const { ours, k6 } = await summaryFromFixture(run);
    expect(sorted(ours)).toEqual(sorted(k6));
    expect(sorted(ours.metrics)).toEqual(sorted(k6.metrics));
    expect(ours.options).toEqual(k6.options);
    expect(ours.state).toEqual(k6.state);
    expect(ours.root_group).toEqual(k6.root_group);
    for (const [key, want] of Object.entries(k6.metrics)) {
      const got = ours.metrics[key]!;
      expect(sorted(got), key).toEqual(sorted(want));
      expect([got.type, got.contains], key).toEqual([want.type, want.contains]);
      expect(sorted(got.values), key).toEqual(sorted(want.values));
      expect(got.thresholds, key).toEqual(want.thresholds);
      for (const [stat, v] of Object.entries(want.values)) {
        const mine = got.values[stat]!;
        if (want.type === 'trend' && (stat === 'med' || stat.startsWith('p('))) {
          // k6 interpolates between exact samples; ours interpolates between HDR bucket middles (3
          // significant digits: ±0.05%), so each percentile is within 0.05% of k6's.
          expect(Math.abs(mine - v), `${key} ${stat}: ${mine} vs ${v}`).toBeLessThanOrEqual(Math.abs(v) * 0.0005 + 1e-9);
        } else {
          expect(mine, `${key} ${stat}`).toBeCloseTo(v, 9);
        }
      }
    }
    const verdict = ours.metrics['s2s_latency_ms{target:pong-sec}']!.thresholds!;
    expect(Object.values(verdict).map((x) => x.ok)).toEqual(run === 'pass' ? [true, true] : [false, true]);
  });

  it('exports the legacy --summary-export shape with crossed booleans', async () => {
    const { ours } = await summaryFromFixture(run);
    const want = JSON.parse(await readFile(`${FIXTURE}${run}/summary-export.json`, 'utf8')) as {
      metrics: Record<string, Record<string, unknown>>;
      root_group: unknown;
    };
    const got = toSummaryExport(ours) as typeof want;
    expect(sorted(got)).toEqual(sorted(want));
    expect(sorted(got.metrics)).toEqual(sorted(want.metrics));
    for (const [key, m] of Object.entries(want.metrics)) {
      expect(sorted(got.metrics[key]!), key).toEqual(sorted(m));
      expect(got.metrics[key]!.thresholds, key).toEqual(m.thresholds);
      if ('value' in m && 'passes' in m) expect(got.metrics[key]!.value, key).toBeCloseTo(m.value as number, 12);
    }
    expect(got.root_group).toEqual(want.root_group);
  });
});

describe('groups and checks', () => {
  it('builds the fixture ids from paths (md5)', () => {
    const root = makeGroupNode('');
    const probe = makeGroupNode('probe', root);
    root.groups.push(probe);
    const c1 = makeCheckNode('status is 200', probe);
    const c2 = makeCheckNode('status is 200', root);
    expect(root).toMatchObject({ name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect(probe).toMatchObject({ path: '::probe', id: '3691ec23c125b7780414db2ab22c253e' });
    expect(c1).toMatchObject({ path: '::probe::status is 200', id: 'd7371ec3106ce2a86bb00d52ff243c5f' });
    expect(c2).toMatchObject({ path: '::status is 200', id: '6210a8cd14cd70477eba5c5e4cb3fb5f' });
    expect(groupId('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
});

describe('summary options', () => {
  it.each([
    [undefined, DEFAULT_SUMMARY_TREND_STATS],
    [['avg', 'p(99.9)', 'count'], ['avg', 'p(99.9)', 'count']],
    ['avg,min, p(99)', ['avg', 'min', 'p(99)']],
  ])('summaryTrendStats %j', (input, want) => {
    expect(parseSummaryTrendStats(input)).toEqual(want);
  });
  it.each([[['avg', 'mean']], [['p(101)']], [[]], [42]])('rejects summaryTrendStats %j', (input) => {
    expect(() => parseSummaryTrendStats(input)).toThrow(SummaryConfigError);
  });
  it('summaryTimeUnit', () => {
    expect(parseSummaryTimeUnit('ms')).toBe('ms');
    expect(parseSummaryTimeUnit(undefined)).toBe('');
    expect(() => parseSummaryTimeUnit('min')).toThrow(/use s, ms or us/);
  });
  it('adds trend stats as configured, and setup_data when given', () => {
    const registry = new MetricRegistry();
    registry.define('t', 'trend', 'time');
    registry.define('unused', 'counter');
    for (let i = 1; i <= 100; i++) registry.add('t', i, {});
    const root: GroupNode = makeGroupNode('');
    const data = buildSummaryData({
      registry,
      thresholds: null,
      rootGroup: root,
      summaryTrendStats: ['count', 'p(99.9)', 'med'],
      noColor: false,
      isStdOutTTY: true,
      isStdErrTTY: true,
      testRunDurationMs: 1000,
      setupData: { token: 'x' },
    });
    expect(Object.keys(data.metrics)).toEqual(['t']);
    expect(Object.keys(data.metrics.t!.values)).toEqual(['count', 'p(99.9)', 'med']);
    expect(data.metrics.t!.values.count).toBe(100);
    expect(data.metrics.t!.thresholds).toBeUndefined();
    expect(data.setup_data).toEqual({ token: 'x' });
  });
});
