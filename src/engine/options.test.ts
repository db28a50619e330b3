// Options: k6 duration strings, layering script < env < CLI, shortcuts → scenarios, clear errors.
import { describe, expect, it } from 'vitest';
import { deriveScenario, formatDuration, OptionsError, optionsFromEnv, parseDurationMs, parseScenario, parseStagesFlag, parseTrendStats, resolveOptions } from './options.ts';

describe('durations', () => {
  it.each([
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2.5s', 2500],
    ['1h', 3_600_000],
    ['10us', 0.01],
    [250, 250],
    ['250', 250],
  ])('parses %j as %d ms', (input, ms) => expect(parseDurationMs(input)).toBeCloseTo(ms, 9));

  it.each(['', '1x', 'abc', '-1s', '1m 30s'])('rejects %j with a message naming it', (input) => {
    expect(() => parseDurationMs(input, 'duration')).toThrow(OptionsError);
    expect(() => parseDurationMs(input, 'duration')).toThrow(/duration: .* is not a valid duration/);
  });

  it.each([
    [630_000, '10m30s'],
    [2000, '2s'],
    [600_000, '10m0s'],
    [500, '500ms'],
    [1500, '1.5s'],
    [3_600_000, '1h0m0s'],
  ])('formats %d ms as %s like Go', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('shortcuts', () => {
  it.each([
    [{}, { executor: 'per-vu-iterations', vus: 1, iterations: 1 }],
    [{ vus: 5, iterations: 20 }, { executor: 'shared-iterations', vus: 5, iterations: 20, maxDuration: 600_000 }],
    [{ iterations: 20, duration: 5000 }, { executor: 'shared-iterations', vus: 1, maxDuration: 5000 }],
    [{ vus: 3, duration: 10_000 }, { executor: 'constant-vus', vus: 3, duration: 10_000 }],
    [{ vus: 2, stages: [{ duration: 1000, target: 4 }] }, { executor: 'ramping-vus', startVUs: 2 }],
  ])('derives %j', (input, expected) => expect(deriveScenario(input)).toMatchObject({ name: 'default', exec: 'default', ...expected }));

  it('rejects fewer iterations than VUs', () => expect(() => deriveScenario({ vus: 5, iterations: 2 })).toThrow(/iterations \(2\) can't be lower than vus \(5\)/));
});

describe('layering', () => {
  const script = { scenarios: { probe: { executor: 'shared-iterations', vus: 2, iterations: 4 } }, thresholds: { checks: ['rate>0.5'] }, summaryTrendStats: ['avg'] };

  it('keeps the script scenarios without higher-layer shortcuts', () => {
    const r = resolveOptions(script, {}, {});
    expect(r.scenarios.map((s) => s.name)).toEqual(['probe']);
    expect(r.summaryTrendStats).toEqual(['avg']);
    expect(r.thresholds).toEqual({ checks: ['rate>0.5'] });
  });

  it('lets CLI shortcuts replace script scenarios, env < CLI', () => {
    const r = resolveOptions(script, optionsFromEnv({ K6_VUS: '3', K6_DURATION: '5s' }), { duration: '2s' });
    expect(r.scenarios).toEqual([expect.objectContaining({ name: 'default', executor: 'constant-vus', vus: 3, duration: 2000 })]);
  });

  it('warns about options it ignores', () => {
    const r = resolveOptions({ vus: 1, cloud: { name: 'x' }, ext: {} }, {}, {});
    expect(r.warnings.join('\n')).toMatch(/cloud, ext/);
  });

  it.each([
    [{ scenarios: { a: { executor: 'nope' } } }, /scenarios\.a\.executor = "nope".*shared-iterations/],
    [{ scenarios: { a: { executor: 'constant-vus', vus: 2 } } }, /scenarios\.a\.duration = \(missing\)/],
    [{ scenarios: { a: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 5, maxVUs: 2 } } }, /maxVUs \(2\) must be at least preAllocatedVUs \(5\)/],
    [{ scenarios: { a: { executor: "shared-iterations", vus: 1, iterations: 1, gracefulStop: "soon" } } }, /scenarios\.a\.gracefulStop = "soon": expected a duration/],
    [{ scenarios: { a: { executor: 'shared-iterations', vuz: 1 } } }, /scenarios\.a/],
    [{ vus: -1 }, /vus = -1/],
    [{ duration: "forever" }, /duration = "forever"/],
  ])('rejects %j clearly', (input, message) => {
    expect(() => resolveOptions(input, {}, {})).toThrow(OptionsError);
    expect(() => resolveOptions(input, {}, {})).toThrow(message);
  });

  it('names a bad K6_* variable', () => expect(() => optionsFromEnv({ K6_VUS: 'ten' })).toThrow(/K6_VUS="ten"/));
  it('parses --stage and --summary-trend-stats', () => {
    expect(parseStagesFlag(['10s:5', '20s:0'])).toEqual([{ duration: '10s', target: 5 }, { duration: '20s', target: 0 }]);
    expect(parseTrendStats('avg,p(99),p(99.9),count')).toEqual(['avg', 'p(99)', 'p(99.9)', 'count']);
    expect(() => parseTrendStats('avg,p99')).toThrow(/"p99"/);
  });
  it('checks scenario names', () => expect(() => parseScenario('a b', { executor: 'shared-iterations' })).toThrow(/scenario name "a b"/));
});

describe('runtime options', () => {
  it('accepts the HTTP options the runtime reads and warns about the rest', () => {
    const r = resolveOptions({ iterations: 1, userAgent: 'x', insecureSkipTLSVerify: true, noConnectionReuse: true, noVUConnectionReuse: true, hosts: {} }, {}, {});
    expect(r.warnings).toEqual(['the embedded engine ignores these options (use real k6 for them): hosts']);
  });
});
