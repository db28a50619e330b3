// Messages between the main thread (program.ts) and VU threads (vu-worker.ts).
import type { MessagePort } from 'node:worker_threads';
import type { InstanceInfo, MetricContains, MetricKind, TagSet } from './host.ts';
import type { IterationOutcome } from './vu.ts';
import type { IterationInput } from './vu-state.ts';
import type { LineMap } from './source-lines.ts';

export interface ThreadInit {
  threadIndex: number;
  vu: { code: string; scriptPath: string; scriptDir: string; env: Record<string, string>; lineMap?: LineMap | undefined };
  testOptions: Record<string, unknown>;
  bridgePort: MessagePort;
  bridgeFlag: SharedArrayBuffer;
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

export type ToThread =
  /** stopCell: Int32Array(1) over a SharedArrayBuffer; the main thread sets it to 1 (and notifies) on a hard stop. */
  | { t: 'create'; id: number; idInInstance: number; idInTest: number; stopCell: SharedArrayBuffer }
  | { t: 'run'; id: number; seq: number; input: IterationInput; instance: InstanceInfo }
  | { t: 'stop'; id: number }
  | { t: 'setup'; json: string | undefined }
  /** setup/teardown/handleSummary on this thread's lifecycle VU; arg and result travel as JSON. */
  | { t: 'call'; seq: number; name: 'setup' | 'teardown' | 'handleSummary'; arg: string | undefined }
  | { t: 'close' };

export type FromThread =
  | { t: 'created'; id: number; batch?: ThreadBatch | undefined }
  | { t: 'createError'; id: number; error: string }
  | { t: 'done'; id: number; seq: number; outcome: IterationOutcome; batch?: ThreadBatch | undefined }
  | { t: 'batch'; batch: ThreadBatch }
  | { t: 'called'; seq: number; ok: true; result: string | undefined; batch?: ThreadBatch | undefined }
  | { t: 'called'; seq: number; ok: false; error: string; aborted: boolean; batch?: ThreadBatch | undefined }
  | { t: 'log'; level: string; msg: string }
  | { t: 'abort'; reason: string };
