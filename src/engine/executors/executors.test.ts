// Executors over fake VUs: exact counts where k6's are exact, schedule counts for arrival rates,
// dropped_iterations when VUs run out, and gracefulStop/gracefulRampDown. No wall-clock assertions.
import { describe, expect, it, vi } from 'vitest';
import { parseScenario, type ScenarioConfig } from '../options.ts';
import { createExecutor } from './index.ts';
import { rampingStartMs, constantStartMs } from './arrival-rate.ts';
import { rampingVUsAt } from './looping-vus.ts';
import { VuPool } from './pool.ts';
import type { ExecVU, ExecutorSink, IterationContext, IterationResult } from './types.ts';

interface FakeOpts {
  /** Iteration length in ms (function of the iteration index). */
  lengthMs: (ctx: IterationContext) => number;
  /** Whether the VU stops when told to (a synchronous script may not). */
  honoursSignal?: boolean;
}

function fakePool(opts: FakeOpts) {
  const perVu = new Map<number, number>();
  const contexts: IterationContext[] = [];
  let busy = 0;
  let maxBusy = 0;
  const pool = new VuPool(async (id) => {
    const vu: ExecVU = {
      idInInstance: id,
      idInTest: id,
      runIteration: (ctx) =>
        new Promise<IterationResult>((resolve) => {
          busy++;
          maxBusy = Math.max(maxBusy, busy);
          contexts.push(ctx);
          perVu.set(id, (perVu.get(id) ?? 0) + 1);
          const onAbort = (): void => finish({ ok: false, interrupted: true });
          const finish = (r: IterationResult) => {
            busy--;
            clearTimeout(timer);
            // The signal is the executor's, shared by every iteration: a listener left behind would pile up.
            ctx.signal.removeEventListener('abort', onAbort);
            resolve(r);
          };
          const timer = setTimeout(() => finish({ ok: true, interrupted: false }), opts.lengthMs(ctx));
          if (opts.honoursSignal !== false) ctx.signal.addEventListener('abort', onAbort, { once: true });
        }),
    };
    return vu;
  });
  return { pool, perVu, contexts, maxBusy: () => maxBusy };
}

/**
 * Runs `work` on virtual time (fake setTimeout, performance.now and Date): a schedule then starts exactly on
 * time whatever the machine's load, so counts that depend on timers being served are exact, not "≥ 97%".
 */
async function onVirtualTime<T>(work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
  try {
    const result = work();
    await vi.runAllTimersAsync();
    return await result;
  } finally {
    vi.useRealTimers();
  }
}

/** k6 (and parseScenario) refuse durations under 1 s; the scheduler itself has no such limit, and tests stay short. */
function shortened(sc: ScenarioConfig, durationMs: number): ScenarioConfig {
  return { ...sc, duration: durationMs } as ScenarioConfig;
}

function recordingSink() {
  const iterations: { tags: Record<string, string>; durationMs: number }[] = [];
  let dropped = 0;
  const sink: ExecutorSink = {
    iteration: (tags, durationMs) => iterations.push({ tags, durationMs }),
    dropped: (_tags, count) => {
      dropped += count;
    },
  };
  return { sink, iterations, dropped: () => dropped };
}

describe('shared-iterations', () => {
  it('runs exactly the requested number of iterations, shared among the VUs', async () => {
    const fake = fakePool({ lengthMs: (ctx) => ctx.iterationInScenario % 3 });
    const rec = recordingSink();
    const ex = createExecutor(parseScenario('probe', { executor: 'shared-iterations', vus: 3, iterations: 50, tags: { kind: 'probe' } }), { vus: fake.pool, sink: rec.sink });
    await ex.run();
    expect(ex.completed).toBe(50);
    expect(ex.interrupted).toBe(0);
    expect(rec.iterations).toHaveLength(50);
    expect([...fake.perVu.values()].reduce((a, b) => a + b, 0)).toBe(50);
    expect(fake.perVu.size).toBe(3);
    expect(rec.iterations[0]?.tags).toEqual({ group: '', kind: 'probe', scenario: 'probe' });
    expect(new Set(fake.contexts.map((c) => c.scenario.iterationInTest)).size).toBe(50);
    expect(ex.progress()).toMatchObject({ done: true, progress: 1, rightText: '50/50 shared iters', vusText: '3 VUs' });
  });
});

describe('per-vu-iterations', () => {
  it('runs exactly `iterations` on each VU', async () => {
    const fake = fakePool({ lengthMs: () => 1 });
    const rec = recordingSink();
    const ex = createExecutor(parseScenario('each', { executor: 'per-vu-iterations', vus: 4, iterations: 7, exec: 'probe', env: { A: '1' } }), { vus: fake.pool, sink: rec.sink, env: { A: '0', B: '2' } });
    await ex.run();
    expect(ex.completed).toBe(28);
    expect([...fake.perVu.values()]).toEqual([7, 7, 7, 7]);
    expect(fake.contexts[0]).toMatchObject({ exec: 'probe', env: { A: '1', B: '2' } });
    // k6/execution vu.iterationInScenario counts per VU (0..6 on each of the 4), iterationInTest across them.
    expect(fake.contexts.map((c) => c.iterationInScenario).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6].flatMap((i) => [i, i, i, i]));
    expect(new Set(fake.contexts.map((c) => c.scenario.iterationInTest)).size).toBe(28);
  });

  it('counts what maxDuration leaves unstarted as dropped_iterations (as k6 does)', async () => {
    const fake = fakePool({ lengthMs: () => 100 });
    const rec = recordingSink();
    const ex = createExecutor(parseScenario('capped', { executor: 'shared-iterations', vus: 1, iterations: 1000, maxDuration: '1s', gracefulStop: '0s' }), { vus: fake.pool, sink: rec.sink });
    await ex.run();
    expect(ex.completed + ex.interrupted + ex.dropped).toBe(1000);
    expect(ex.dropped).toBeGreaterThan(900);
    expect(rec.dropped()).toBe(ex.dropped);
  });
});

describe('constant-arrival-rate', () => {
  it('starts rate × duration iterations on schedule, whatever the iteration length', async () => {
    const fake = fakePool({ lengthMs: () => 15 });
    const rec = recordingSink();
    const ex = createExecutor(parseScenario('load', { executor: 'constant-arrival-rate', rate: 100, timeUnit: '1s', duration: '2s', preAllocatedVUs: 4, maxVUs: 20 }), { vus: fake.pool, sink: rec.sink });
    await onVirtualTime(() => ex.run());
    expect(ex.completed + ex.interrupted + ex.dropped).toBe(200);
    // On time, 15 ms iterations at 10 ms intervals need 2 VUs: none runs out, none is dropped.
    expect(ex.completed).toBe(200);
  });

  it('emits dropped_iterations when every VU is busy and maxVUs is reached', async () => {
    const fake = fakePool({ lengthMs: () => 400 });
    const rec = recordingSink();
    const ex = createExecutor(parseScenario('load', { executor: 'constant-arrival-rate', rate: 40, duration: '1s', preAllocatedVUs: 1, maxVUs: 2, gracefulStop: '5s' }), { vus: fake.pool, sink: rec.sink });
    await ex.run();
    expect(ex.completed + ex.dropped + ex.interrupted).toBe(40);
    expect(ex.dropped).toBeGreaterThan(20);
    expect(rec.dropped()).toBe(ex.dropped);
    expect(fake.pool.size()).toBe(2);
    expect(fake.maxBusy()).toBeLessThanOrEqual(2);
  });
});

describe('ramping-arrival-rate', () => {
  it('starts as many iterations as the integral of the rate', async () => {
    const fake = fakePool({ lengthMs: () => 2 });
    const rec = recordingSink();
    const ex = createExecutor(
      parseScenario('ramp', { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 5, maxVUs: 10, stages: [{ duration: '1s', target: 100 }, { duration: '1s', target: 100 }] }),
      { vus: fake.pool, sink: rec.sink },
    );
    await onVirtualTime(() => ex.run());
    expect(ex.completed + ex.interrupted + ex.dropped).toBe(150);
    expect(ex.completed).toBe(150);
  });

  it('computes start offsets from the rate integral', () => {
    const stages = [{ duration: 1000, target: 100 }, { duration: 1000, target: 100 }];
    expect(rampingStartMs(0, 0, stages, 1000)).toBe(0);
    // integral of a 0→100/s ramp over 1 s reaches 50 at its end, and 25 at √0.5 s.
    expect(rampingStartMs(25, 0, stages, 1000)).toBeCloseTo(707.1, 1);
    expect(rampingStartMs(50, 0, stages, 1000)).toBeCloseTo(1000, 6);
    expect(rampingStartMs(100, 0, stages, 1000)).toBeCloseTo(1500, 6);
    expect(rampingStartMs(150, 0, stages, 1000)).toBeNull();
    expect(constantStartMs(3, 50, 1000)).toBe(60);
  });
});

describe('constant-vus and gracefulStop', () => {
  it('lets an in-flight iteration finish within gracefulStop', async () => {
    const fake = fakePool({ lengthMs: () => 300 });
    const rec = recordingSink();
    const ex = createExecutor(shortened(parseScenario('c', { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '10s' }), 100), { vus: fake.pool, sink: rec.sink });
    await ex.run();
    expect(ex.completed).toBe(1);
    expect(ex.interrupted).toBe(0);
  });

  it.each([true, false])('interrupts and counts an iteration longer than the grace (VU honours the signal: %s)', async (honoursSignal) => {
    const fake = fakePool({ lengthMs: () => 20_000, honoursSignal });
    const rec = recordingSink();
    const ex = createExecutor(shortened(parseScenario('c', { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '100ms' }), 100), { vus: fake.pool, sink: rec.sink });
    await ex.run();
    expect(ex.completed).toBe(0);
    expect(ex.interrupted).toBe(2);
    expect(rec.iterations).toHaveLength(0);
    expect(ex.progress().interrupted).toBe(2);
  });

  it('stops at once when the run is stopped from outside (Ctrl-C, test.abort)', async () => {
    const fake = fakePool({ lengthMs: () => 20_000 });
    const rec = recordingSink();
    const stop = new AbortController();
    const ex = createExecutor(parseScenario('c', { executor: 'constant-vus', vus: 3, duration: '1h' }), { vus: fake.pool, sink: rec.sink, stop: stop.signal });
    const running = ex.run();
    while (fake.contexts.length < 3) await new Promise((r) => setImmediate(r));
    stop.abort();
    await running;
    expect(ex.interrupted).toBe(3);
    expect(ex.done).toBe(true);
  });
});

describe('ramping-vus', () => {
  it('computes the VU count along linear stages', () => {
    const stages = [{ duration: 1000, target: 10 }, { duration: 1000, target: 10 }, { duration: 1000, target: 0 }];
    expect(rampingVUsAt(0, stages, 0)).toBe(0);
    expect(rampingVUsAt(0, stages, 550)).toBe(5);
    expect(rampingVUsAt(0, stages, 1500)).toBe(10);
    expect(rampingVUsAt(0, stages, 2500)).toBe(5);
    expect(rampingVUsAt(0, stages, 2999)).toBe(1);
    expect(rampingVUsAt(0, stages, 5000)).toBe(0);
  });

  it('never runs more VUs than the highest target and ends when the stages do', async () => {
    const fake = fakePool({ lengthMs: () => 10 });
    const rec = recordingSink();
    const ex = createExecutor(parseScenario('r', { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '300ms', target: 3 }, { duration: '300ms', target: 0 }], gracefulRampDown: '1s' }), { vus: fake.pool, sink: rec.sink });
    await ex.run();
    expect(fake.pool.size()).toBe(3);
    expect(fake.maxBusy()).toBeLessThanOrEqual(3);
    expect(ex.completed).toBeGreaterThan(0);
    expect(ex.interrupted).toBe(0);
  });
});

describe('ramping-vus gracefulRampDown', () => {
  it('interrupts iterations of VUs taken away once gracefulRampDown runs out', async () => {
    const fake = fakePool({ lengthMs: () => 20_000 });
    const rec = recordingSink();
    const ex = createExecutor(
      parseScenario('r', {
        executor: 'ramping-vus',
        startVUs: 2,
        stages: [{ duration: '200ms', target: 2 }, { duration: '10ms', target: 0 }, { duration: '800ms', target: 0 }],
        gracefulRampDown: '100ms',
        gracefulStop: '1m',
      }),
      { vus: fake.pool, sink: rec.sink },
    );
    await ex.run();
    // Had the ramp-down not cut them, gracefulStop (1 min) would have let both finish.
    expect(ex.interrupted).toBe(2);
    expect(ex.completed).toBe(0);
  });
});

describe('startTime', () => {
  it('waits for startTime before the first iteration', async () => {
    const fake = fakePool({ lengthMs: () => 1 });
    const rec = recordingSink();
    const ex = createExecutor(parseScenario('late', { executor: 'shared-iterations', iterations: 2, startTime: '150ms' }), { vus: fake.pool, sink: rec.sink });
    const running = ex.run();
    await new Promise((r) => setImmediate(r));
    expect(fake.contexts).toHaveLength(0);
    await running;
    expect(ex.completed).toBe(2);
  });
});
