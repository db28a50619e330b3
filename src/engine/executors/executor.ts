// The common life of a scenario: wait for startTime, run iterations on VUs, stop starting new ones
// at the end, give in-flight iterations their graceful stop, then interrupt what is left.
import type { ScenarioConfig } from '../options.ts';
import { realClock, type Clock, type ExecVU, type ExecutorDeps, type IterationResult, type ScenarioProgress } from './types.ts';

/** The result of an iteration cut off by the scheduler (identity matters: see iterate). */
const CUT: IterationResult = Object.freeze({ ok: false, interrupted: true });

/** "00m01.0s", as k6's progress lines write elapsed time. */
export function formatClock(ms: number): string {
  const totalTenths = Math.floor(ms / 100);
  const minutes = Math.floor(totalTenths / 600);
  const seconds = (totalTenths % 600) / 10;
  return `${String(minutes).padStart(2, '0')}m${seconds.toFixed(1).padStart(4, '0')}s`;
}

export abstract class Executor<C extends ScenarioConfig = ScenarioConfig> {
  completed = 0;
  interrupted = 0;
  dropped = 0;
  /** VUs currently busy (arrival-rate) or looping (the others). */
  active = 0;
  protected readonly clock: Clock;
  /** The scenario's environment: the global one with the scenario's env laid over it. */
  protected readonly env: Record<string, string>;
  /** Tags the VU gets for this scenario (k6 adds the scenario name as the `scenario` tag). */
  protected readonly tags: Record<string, string>;
  /** Tags on the scheduler's own samples (iterations, iteration_duration, dropped_iterations). */
  protected readonly metricTags: Record<string, string>;
  /** Set when no new iteration may start. */
  protected stopping = false;
  /** Aborted with `stopping`: wakes sleeping schedulers. */
  protected readonly soft = new AbortController();
  /** Aborted when in-flight iterations must end now. */
  protected readonly hard = new AbortController();
  /** VUs whose iteration was cut off while still running: never handed to another scenario. */
  protected readonly lost = new Set<ExecVU>();
  protected startedAtMs: number | undefined;
  protected endedAtMs: number | undefined;
  private iterationCounter = 0;
  /** Per VU, its iterations in this scenario so far (k6/execution vu.iterationInScenario). */
  private readonly vuIterations = new Map<ExecVU, number>();
  /** The scenario's iteration numbering for VUs that loop by themselves: Int32 [next index, limit or -1]. */
  protected readonly counter = new SharedArrayBuffer(8);
  /** Running iterations (or loops) by VU (a VU runs one at a time), to cut them off at a hard stop. */
  private readonly inflight = new Map<ExecVU, (r: IterationResult) => void>();
  private doneFlag = false;

  constructor(
    readonly config: C,
    protected readonly deps: ExecutorDeps,
  ) {
    this.clock = deps.clock ?? realClock;
    this.env = { ...deps.env, ...config.env };
    this.tags = { ...deps.tags, ...config.tags, scenario: config.name };
    this.metricTags = { group: '', ...this.tags };
    new Int32Array(this.counter)[1] = -1;
    this.hard.signal.addEventListener('abort', () => {
      for (const vu of [...this.inflight.keys()]) this.cutOff(vu);
    });
  }

  get name(): string {
    return this.config.name;
  }

  get done(): boolean {
    return this.doneFlag;
  }

  /** Runs the scenario to its end (startTime is waited for here, relative to the call). */
  async run(): Promise<void> {
    const onStop = () => this.stopNow();
    if (this.deps.stop?.aborted) this.stopNow();
    this.deps.stop?.addEventListener('abort', onStop, { once: true });
    try {
      if (this.config.startTime > 0) await this.clock.sleep(this.config.startTime, this.soft.signal);
      this.startedAtMs = this.clock.now();
      if (!this.stopping) await this.execute();
    } finally {
      this.deps.stop?.removeEventListener('abort', onStop);
      this.startedAtMs ??= this.clock.now();
      this.endedAtMs = this.clock.now();
      this.doneFlag = true;
    }
  }

  /** Stop at once: nothing new starts and in-flight iterations are interrupted (Ctrl-C, test.abort). */
  stopNow(): void {
    this.stopping = true;
    this.soft.abort();
    this.hard.abort();
  }

  protected abstract execute(): Promise<void>;
  abstract progress(): ScenarioProgress;

  protected elapsedMs(): number {
    if (this.startedAtMs === undefined) return 0;
    return (this.endedAtMs ?? this.clock.now()) - this.startedAtMs;
  }

  /** 0..1 of the scenario's planned run; subclasses refine. */
  protected fraction(): number {
    return 0;
  }

  /**
   * Waits for `workers` until `untilMs` after the start; past it, stops new iterations, waits up to
   * `graceMs` for in-flight ones, then interrupts them.
   */
  protected async drive(workers: Promise<unknown>, untilMs: number, graceMs: number): Promise<void> {
    const timer = new AbortController();
    const finished = workers.then(() => true);
    const left = untilMs - (this.clock.now() - (this.startedAtMs ?? this.clock.now()));
    const expired = this.clock.sleep(left, AbortSignal.any([timer.signal, this.soft.signal])).then(() => false);
    const natural = await Promise.race([finished, expired]);
    timer.abort();
    if (natural) return;
    this.stopping = true;
    this.soft.abort();
    const graceTimer = new AbortController();
    await Promise.race([finished, this.clock.sleep(graceMs, AbortSignal.any([graceTimer.signal, this.hard.signal]))]);
    graceTimer.abort();
    this.hard.abort();
    await finished;
  }

  /**
   * Runs one iteration on `vu`. Returns false when it was interrupted. `signal` is what the VU is told
   * to stop on (ramping-vus passes a per-VU one for gracefulRampDown; see cutOff).
   */
  protected async iterate(vu: ExecVU, signal: AbortSignal = this.hard.signal): Promise<boolean> {
    const index = this.iterationCounter++;
    const inScenario = this.vuIterations.get(vu) ?? 0;
    this.vuIterations.set(vu, inScenario + 1);
    const startMs = this.clock.now();
    const sinceStartMs = startMs - (this.startedAtMs ?? startMs);
    let result: IterationResult;
    if (signal.aborted) result = CUT;
    else {
      // No AbortController or listener per iteration (they dominate the hot path): a VU that must stop
      // is resolved from `inflight` by cutOff(), so one that ignores its signal cannot hold the scenario.
      result = await new Promise<IterationResult>((resolve) => {
        this.inflight.set(vu, resolve);
        vu.runIteration({
          scenario: { name: this.config.name, executor: this.config.executor, startTimeMs: Date.now() - sinceStartMs, iterationInInstance: index, iterationInTest: index, progress: this.fraction() },
          iterationInScenario: inScenario,
          tags: this.tags,
          env: this.env,
          exec: this.config.exec,
          signal,
        }).then(resolve, (e: unknown) => resolve({ ok: false, error: e instanceof Error ? e.message : String(e), interrupted: false }));
      });
      this.inflight.delete(vu);
    }
    if (result === CUT) this.lost.add(vu);
    if (result.interrupted) {
      this.interrupted++;
      return false;
    }
    this.completed++;
    this.deps.sink.iteration(this.metricTags, this.clock.now() - startMs, result);
    return true;
  }

  /**
   * Iterations back to back on `vu` until the scenario stops starting new ones, in the VU's own thread when it
   * can loop by itself (no round trip per iteration; its iterations are numbered from `counter`, whose limit
   * caps shared-iterations). Returns false when the VU cannot: the caller then loops with iterate().
   */
  protected async loopOn(vu: ExecVU, maxIterations: number, totalIterations: number, durationMs: number): Promise<boolean> {
    if (!vu.runLoop) return false;
    const startMs = this.startedAtMs ?? this.clock.now();
    const firstInScenario = this.vuIterations.get(vu) ?? 0;
    const cut = await new Promise<boolean>((resolve) => {
      this.inflight.set(vu, () => resolve(true));
      vu.runLoop!({
        base: { scenario: { name: this.config.name, executor: this.config.executor, startTimeMs: Date.now() - (this.clock.now() - startMs) }, tags: this.tags, env: this.env, exec: this.config.exec },
        counter: this.counter,
        maxIterations,
        soft: this.soft.signal,
        hard: this.hard.signal,
        durationMs,
        totalIterations,
        firstInScenario,
        onIteration: (result, ms) => {
          this.vuIterations.set(vu, (this.vuIterations.get(vu) ?? 0) + 1);
          if (result.interrupted) this.interrupted++;
          else {
            this.completed++;
            this.deps.sink.iteration(this.metricTags, ms, result);
          }
        },
      }).then(() => resolve(false), () => resolve(false));
    });
    this.inflight.delete(vu);
    if (cut) this.lost.add(vu);
    return true;
  }

  /** Iterations started from `counter` so far (capped by its limit). */
  protected counterStarted(): number {
    const c = new Int32Array(this.counter);
    const next = Atomics.load(c, 0);
    const limit = Atomics.load(c, 1);
    return limit >= 0 ? Math.min(next, limit) : next;
  }

  /** Ends `vu`'s running iteration now, as interrupted (its VU is not reused: it may still be busy). */
  protected cutOff(vu: ExecVU): void {
    this.inflight.get(vu)?.(CUT);
  }

  /** Gives back the VUs that are safe to reuse. */
  protected release(vus: ExecVU[]): void {
    this.deps.vus.give(vus.filter((vu) => !this.lost.has(vu)));
  }

  /** Counts `count` iterations that will never start (no free VU, or the scenario's time ran out). */
  protected emitDropped(count = 1): void {
    if (count <= 0) return;
    this.dropped += count;
    this.deps.sink.dropped(this.metricTags, count);
  }

  /** Whether the scenario was stopped from outside (Ctrl-C, test.abort, abortOnFail) rather than by its own end. */
  protected stoppedFromOutside(): boolean {
    return this.deps.stop?.aborted ?? false;
  }

  protected base(vusText: string, timeText: string, rightText: string): ScenarioProgress {
    return {
      name: this.config.name,
      progress: Math.min(1, Math.max(0, this.fraction())),
      done: this.done,
      vusText,
      timeText,
      rightText,
      activeVUs: this.active,
      completed: this.completed,
      interrupted: this.interrupted,
    };
  }
}
