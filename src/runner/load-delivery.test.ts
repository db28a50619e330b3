// Load that was not delivered is not a pass: VU sizing from the scenario's inputs, the requested iteration
// count, the dropped_iterations default threshold and the delivery line/warning under the table.
import { describe, expect, it } from 'vitest';
import { defaultThresholds, droppedIterationsThreshold } from './default-thresholds.ts';
import { parseRunnerFlags, type RunnerFlags } from './flags.ts';
import { loadVUs, requestedIterations } from './run-config.ts';
import { loadDelivery, renderDelivery } from './table.ts';
import { aggregationOf } from './thresholds.ts';

const flags = (...argv: string[]): RunnerFlags => {
  const f = parseRunnerFlags(['local', '--scenario', 'load', ...argv]);
  if (!f) throw new Error('flags did not parse');
  return f;
};

describe('load VU sizing', () => {
  it.each([
    // rate, batch count → ⌈rate × (25 + 5 × batch) ms × 4⌉, at least 10, at most 5000
    [['--rate', '200'], 60],
    [['--rate', '100'], 30],
    [['--rate', '1'], 10],
    [['--rate', '200', '--batch-count', '100'], 420],
    [['--rate', '100000'], 5000],
  ] as const)('%j → maxVUs %d', (argv, maxVUs) => {
    expect(loadVUs(flags(...argv)).maxVUs).toBe(maxVUs);
  });

  it('--max-vus wins; preAllocatedVUs is the VUs busy on average, never above the cap', () => {
    expect(loadVUs(flags('--rate', '5000', '--max-vus', '10'))).toEqual({ preAllocatedVUs: 10, maxVUs: 10 });
    expect(loadVUs(flags('--rate', '200'))).toEqual({ preAllocatedVUs: 15, maxVUs: 60 });
  });
});

describe('requested iterations', () => {
  it('rate × duration, or the integral of ramping stages from 0', () => {
    expect(requestedIterations(flags('--rate', '200', '--duration', '20s'))).toBe(4000);
    expect(requestedIterations(flags('--stages', '10s:100,20s:100,10s:0'))).toBe(500 + 2000 + 500);
  });
});

describe('dropped_iterations threshold', () => {
  it('crosses when fewer than 95% of the requested iterations ran; none dropped passes', () => {
    expect(droppedIterationsThreshold(4000)).toBe('count<=200');
    expect(aggregationOf(droppedIterationsThreshold(4000))).toBe('count');
    expect(defaultThresholds('local', { requestedIterations: 4000 })['dropped_iterations']).toEqual(['count<=200']);
    expect(defaultThresholds('local')['dropped_iterations']).toBeUndefined();
  });
});

describe('delivery line and warning', () => {
  const summary = (iterations: number, dropped: number, vusMax: number) => ({
    metrics: {
      iterations: { type: 'counter', values: { count: iterations, rate: iterations / 20 } },
      ...(dropped > 0 ? { dropped_iterations: { type: 'counter', values: { count: dropped, rate: dropped / 20 } } } : {}),
      vus_max: { type: 'gauge', values: { value: vusMax, min: 1, max: vusMax } },
    },
    state: { testRunDurationMs: 20_000 },
  });

  it('all delivered: the achieved rate, no warning', () => {
    const d = renderDelivery(loadDelivery(summary(4000, 0, 40), { iterations: 4000, durationSec: 20, maxVUs: 60 }));
    expect(d.line).toBe('load: requested 200.0/s (4000 iterations), achieved 200.0/s (4000, 100.0%), dropped 0, VUs 40/60');
    expect(d.warning).toBeNull();
  });

  it('the VU cap reached: says so and names --max-vus', () => {
    const d = renderDelivery(loadDelivery(summary(200, 99_800, 10), { iterations: 100_000, durationSec: 20, maxVUs: 10 }));
    expect(d.warning).toContain('requested 5000.0/s, achieved 10.0/s (99800 iterations dropped)');
    expect(d.warning).toContain('the VU cap was reached (10 VUs all busy): raise --max-vus');
  });

  it('VUs to spare but drops: the services could not keep up', () => {
    const d = renderDelivery(loadDelivery(summary(3000, 1000, 45), { iterations: 4000, durationSec: 20, maxVUs: 60 }));
    expect(d.warning).toContain('the services could not keep up');
  });
});
