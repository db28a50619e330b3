// What an executor needs from the rest of the engine: VUs that run one iteration, a pool to take
// them from, a clock, and a sink for the scheduler's own metrics. Structural on purpose, so the
// executors can be tested with fake VUs and know nothing about scripts or HTTP.

/** What a VU is told about the iteration it runs (the runtime's VU takes exactly this). */
export interface IterationContext {
  scenario: { name: string; executor: string; startTimeMs: number; iterationInInstance: number; iterationInTest: number; progress: number };
  iterationInScenario: number;
  tags: Record<string, string>;
  env: Record<string, string>;
  exec: string;
  /** Aborted when the iteration must stop at once (graceful stop elapsed, Ctrl-C, test.abort). */
  signal: AbortSignal;
}

export interface IterationResult {
  ok: boolean;
  error?: string;
  interrupted: boolean;
}

/**
 * Iterations back to back on one VU where the VU lives (no round trip to the scheduler per iteration). The
 * scenario's iterations are numbered from `counter` (Int32 [next index, limit or -1], shared by its VUs).
 */
export interface LoopSpec {
  base: { scenario: { name: string; executor: string; startTimeMs: number }; tags: Record<string, string>; env: Record<string, string>; exec: string };
  counter: SharedArrayBuffer;
  /** Iterations this VU may run (per-vu-iterations), or Infinity. */
  maxIterations: number;
  /** Aborted: start no new iteration. */
  soft: AbortSignal;
  /** Aborted: interrupt the running iteration. */
  hard: AbortSignal;
  /** For exec.scenario.progress: a duration-bound scenario's length (ms), else 0 and the total iteration count. */
  durationMs: number;
  totalIterations: number;
  /** The VU's iterations in this scenario before this loop (k6/execution vu.iterationInScenario counts per VU). */
  firstInScenario: number;
  /** Every finished iteration, its duration measured where it ran. */
  onIteration(result: IterationResult, durationMs: number): void;
}

export interface ExecVU {
  idInInstance: number;
  idInTest: number;
  runIteration(ctx: IterationContext): Promise<IterationResult>;
  /** Optional: VUs that can loop by themselves (the runtime's do; the executor tests' fakes need not). */
  runLoop?(spec: LoopSpec): Promise<void>;
}

/** Shared by all scenarios: idle VUs are handed out and given back; new ones are initialised on demand. */
export interface VuSource {
  /** Takes n VUs (idle ones first, new ones for the rest). */
  take(n: number): Promise<ExecVU[]>;
  /** Gives VUs back for later scenarios. */
  give(vus: ExecVU[]): void;
  /** VUs initialised so far (the vus_max gauge). */
  size(): number;
}

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Resolves after ms, or early when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Where executors report iterations; run.ts turns these into k6's metrics. */
export interface ExecutorSink {
  /** A completed iteration (k6 emits iterations + iteration_duration only for these). */
  iteration(tags: Record<string, string>, durationMs: number, result: IterationResult): void;
  /**
   * `count` iterations that never started: an arrival-rate start with no free VU, or (as k6 counts them) the
   * iterations an iteration-count executor had left when its maxDuration ran out.
   */
  dropped(tags: Record<string, string>, count: number): void;
}

export interface ExecutorDeps {
  vus: VuSource;
  sink: ExecutorSink;
  clock?: Clock;
  /** The script's global environment (__ENV); the scenario's env is laid over it. */
  env?: Record<string, string>;
  /** Tags on every sample (k6 `tags` option); the scenario's tags are laid over them. */
  tags?: Record<string, string>;
  /** Aborting stops the scenario at once: no new iterations, in-flight ones are interrupted. */
  stop?: AbortSignal;
}

/** What the progress lines show for one scenario. */
export interface ScenarioProgress {
  name: string;
  /** 0..1 */
  progress: number;
  done: boolean;
  /** e.g. "0/4 VUs" or "2 VUs" */
  vusText: string;
  /** e.g. "1.0s/2s" or "00m00.0s/10m0s" */
  timeText: string;
  /** e.g. "50.00 iters/s" or "20/20 shared iters" */
  rightText: string;
  activeVUs: number;
  completed: number;
  interrupted: number;
}
