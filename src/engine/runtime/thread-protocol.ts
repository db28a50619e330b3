// Messages between the main thread (program.ts) and VU threads (vu-worker.ts). Both sides send `many`: the
// messages of one event-loop turn coalesced into one postMessage (with the thread's samples since the last one),
// so thousands of iterations per second cost a few hundred messages, not thousands.
import type { InstanceInfo, MetricContains, MetricKind, TagSet } from './host.ts';
import type { IterationOutcome } from './vu.ts';
import type { LineMap } from './source-lines.ts';

export interface ThreadInit {
  threadIndex: number;
  /** code: the lifted bundle (see lift.ts), compiled once per thread. */
  vu: { code: string; scriptPath: string; scriptDir: string; env: Record<string, string>; lineMap?: LineMap | undefined };
  testOptions: Record<string, unknown>;
}

export type TreeOp =
  | { kind: 'group'; groupPath: string }
  | { kind: 'check'; groupPath: string; name: string; passes: number; fails: number };

export interface ThreadBatch {
  /** Metric names first used since the previous batch; ids continue the thread's numbering. */
  names: string[];
  /** Tag sets first used since the previous batch; ids continue the thread's table (from 0 again after a reset). */
  tags: TagSet[];
  /** The thread started a new tag table (its old one reached its size limit) before these tags. */
  tagsReset: boolean;
  /** Flat [nameId, tagId, value, timeMs] × n. */
  samples: Float64Array;
  defs: Array<[string, MetricKind, MetricContains]>;
  tree: TreeOp[];
}

/** A VU's stop cells: Int32 `index` (hard stop: the running iteration ends) and `index + 1` (soft stop: no new
 *  iteration of a loop) of `buffer`; the main thread stores 1 there. */
export interface StopCellRef { buffer: SharedArrayBuffer; index: number }

/** What iterations of one scenario share: sent once per thread, then named by `ctxId` in the runs array. */
export interface RunContext { scenario: { name: string; executor: string }; tags: Record<string, string>; env: Record<string, string>; exec: string }

/**
 * Iterations back to back on one VU, in its thread (no round trip per iteration): numbered from the scenario's
 * shared counter (Int32 [next index, limit or -1]); ends when the VU's soft-stop cell is set, after `max`
 * iterations (-1: no cap), when the counter passes its limit, or on an interrupted iteration.
 */
export interface LoopWire {
  t: 'loop';
  id: number;
  seq: number;
  ctxId: number;
  counter: SharedArrayBuffer;
  max: number;
  startTimeMs: number;
  /** exec.scenario.progress: elapsed / durationMs when > 0, else index / totalIterations. */
  durationMs: number;
  totalIterations: number;
  /** vu.iterationInScenario of the loop's first iteration (it counts per VU). */
  firstInScenario: number;
}

export type ToThread =
  | { t: 'create'; id: number; idInInstance: number; idInTest: number; stop: StopCellRef }
  | { t: 'ctx'; ctxId: number; ctx: RunContext }
  | LoopWire
  | { t: 'setup'; json: string | undefined }
  /** setup/teardown/handleSummary on this thread's lifecycle VU; arg and result travel as JSON. */
  | { t: 'call'; seq: number; name: 'setup' | 'teardown' | 'handleSummary'; arg: string | undefined }
  | { t: 'close' };

export type FromThread =
  | { t: 'created'; id: number }
  | { t: 'createError'; id: number; error: string }
  | { t: 'done'; id: number; seq: number; outcome: IterationOutcome }
  /** An iteration of a loop that ended with an error (the others travel in FromThreadMany.iters). */
  | { t: 'iter'; id: number; seq: number; outcome: IterationOutcome; durationMs: number }
  | { t: 'loopDone'; id: number; seq: number }
  | { t: 'called'; seq: number; ok: true; result: string | undefined }
  | { t: 'called'; seq: number; ok: false; error: string; aborted: boolean }
  | { t: 'log'; level: string; msg: string }
  | { t: 'abort'; reason: string };

/** Numbers per run in ToThreadMany.runs: id, seq, ctxId, iterationInInstance, iterationInTest, iterationInScenario, progress, startTimeMs. */
export const RUN_FIELDS = 8;
/** Numbers per outcome in FromThreadMany.done: id, seq, interrupted (0/1); outcomes with an error travel as messages. */
export const DONE_FIELDS = 3;
/** Numbers per loop iteration in FromThreadMany.iters: id, seq, interrupted (0/1), durationMs. */
export const ITER_FIELDS = 4;

/**
 * One turn's messages. Order on arrival: `list` (create, ctx, setup, call …), then `runs`, then `stops` (VU ids
 * whose running iteration must end), so a stop sent after a run in the same turn finds it running. Runs and
 * outcomes are flat numbers: cloning an object per iteration was the largest cost of a message.
 */
export interface ToThreadMany { t: 'many'; list: ToThread[]; runs?: Float64Array | undefined; stops?: number[] | undefined; instance?: InstanceInfo | undefined }
export interface FromThreadMany { t: 'many'; list: FromThread[]; done?: Float64Array | undefined; iters?: Float64Array | undefined; batch?: ThreadBatch | undefined }
