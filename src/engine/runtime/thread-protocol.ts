// Messages between the main thread (program.ts) and VU threads (vu-worker.ts). Both sides send `many`: the
// messages of one event-loop turn coalesced into one postMessage (with the thread's samples since the last one),
// so thousands of iterations per second cost a few hundred messages, not thousands.
import type { InstanceInfo, MetricContains, MetricKind, TagSet } from './host.ts';
import type { IterationOutcome } from './vu.ts';
import type { IterationInput } from './vu-state.ts';
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
  tags: TagSet[];
  /** Flat [nameId, tagIndex, value, timeMs] × n. */
  samples: Float64Array;
  defs: Array<[string, MetricKind, MetricContains]>;
  tree: TreeOp[];
}

/** A VU's stop cell: Int32 `index` of `buffer`; the main thread stores 1 there on a hard stop. */
export interface StopCellRef { buffer: SharedArrayBuffer; index: number }

export type ToThread =
  | { t: 'create'; id: number; idInInstance: number; idInTest: number; stop: StopCellRef }
  | { t: 'run'; id: number; seq: number; input: IterationInput; instance: InstanceInfo }
  | { t: 'stop'; id: number }
  | { t: 'setup'; json: string | undefined }
  /** setup/teardown/handleSummary on this thread's lifecycle VU; arg and result travel as JSON. */
  | { t: 'call'; seq: number; name: 'setup' | 'teardown' | 'handleSummary'; arg: string | undefined }
  | { t: 'close' };

export type FromThread =
  | { t: 'created'; id: number }
  | { t: 'createError'; id: number; error: string }
  | { t: 'done'; id: number; seq: number; outcome: IterationOutcome }
  | { t: 'called'; seq: number; ok: true; result: string | undefined }
  | { t: 'called'; seq: number; ok: false; error: string; aborted: boolean }
  | { t: 'log'; level: string; msg: string }
  | { t: 'abort'; reason: string };

export interface ToThreadMany { t: 'many'; list: ToThread[] }
export interface FromThreadMany { t: 'many'; list: FromThread[]; batch?: ThreadBatch | undefined }
