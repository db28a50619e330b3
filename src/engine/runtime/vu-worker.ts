// Entry of a VU thread: one realm (see realm.ts) hosting many VUs, each suspending on http.*/sleep without
// blocking the thread; runs their iterations on request from the main thread and ships samples, metric
// definitions, check/group counts and results back, coalesced once per event-loop turn.
import { setMaxListeners } from 'node:events';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ScriptError, TestAbortError, redactTokens } from './errors.ts';
import { EMPTY_INSTANCE, type InstanceInfo, type MetricContains, type MetricKind, type TagSet, type VuHost } from './host.ts';
import { Realm } from './realm.ts';
import { describeError, formatArgs, VuRuntime } from './vu.ts';
import type { IterationInput } from './vu-state.ts';
import { RUN_FIELDS, type FromThread, type LoopWire, type FromThreadMany, type RunContext, type ThreadBatch, type ThreadInit, type ToThread, type ToThreadMany, type TreeOp } from './thread-protocol.ts';

const init = workerData as ThreadInit;
const port = parentPort as MessagePort;
const vus = new Map<number, VuRuntime>();
const controllers = new Map<number, AbortController>();
/**
 * The VU's stop signal: one controller per VU until it is used (a new one per iteration was a visible cost at
 * thousands per second). Every request of an http.batch in flight listens to it, so its listener limit is lifted
 * (11+ made Node print a "possible memory leak" warning into the user's output).
 */
function signalOf(id: number): AbortSignal {
  let ac = controllers.get(id);
  if (!ac || ac.signal.aborted) {
    ac = new AbortController();
    setMaxListeners(0, ac.signal);
    controllers.set(id, ac);
  }
  return ac.signal;
}
/** VUs with an iteration in flight: a stop for a VU between iterations must not poison its next one. */
const running = new Set<number>();
const softCells = new Map<number, Int32Array>();
const contexts = new Map<number, RunContext>();
let instance: InstanceInfo = EMPTY_INSTANCE;
let setupJson: string | undefined;

// ---- outbox: messages and samples of one turn go out as one message; nothing accumulates beyond SAMPLE_LIMIT
const SAMPLE_LIMIT = 8192;
const FLUSH_MS = 200;
const nameIds = new Map<string, number>();
let newNames: string[] = [];
// Tag sets are interned by content for the life of the thread (the main thread keeps the same table), so a batch
// carries only the sets it introduces: cloning a tags object per request was the largest cost of a message.
const TAG_TABLE_LIMIT = 20_000;
let tagIds = new Map<string, number>();
let newTagSets: TagSet[] = [];
let tagsReset = false;
let lastTags: TagSet | undefined;
let lastTagId = -1;
function tagIdOf(tags: TagSet): number {
  if (tags === lastTags) return lastTagId;
  let key = '';
  for (const k in tags) key += `${k}\u0001${tags[k]}\u0002`;
  let id = tagIds.get(key);
  if (id === undefined) {
    if (tagIds.size >= TAG_TABLE_LIMIT) {
      // Unbounded tag values (a unique URL per request): start a new table rather than grow without end.
      flush();
      tagIds = new Map();
      tagsReset = true;
      lastTags = undefined;
    }
    id = tagIds.size;
    tagIds.set(key, id);
    newTagSets.push(tags);
  }
  lastTags = tags;
  lastTagId = id;
  return id;
}
let samples: number[] = [];
let defs: Array<[string, MetricKind, MetricContains]> = [];
let tree = new Map<string, TreeOp>();
let outbox: FromThread[] = [];
let doneOut: number[] = [];
let itersOut: number[] = [];
let flushQueued = false;
const localDefs = new Map<string, { type: MetricKind; contains: MetricContains }>();

function takeBatch(): ThreadBatch | undefined {
  if (samples.length === 0 && defs.length === 0 && tree.size === 0 && newNames.length === 0 && newTagSets.length === 0) return undefined;
  const b: ThreadBatch = { names: newNames, tags: newTagSets, tagsReset, samples: new Float64Array(samples), defs, tree: [...tree.values()] };
  newNames = [];
  newTagSets = [];
  tagsReset = false;
  samples = [];
  defs = [];
  tree = new Map();
  return b;
}

function flush(): void {
  flushQueued = false;
  const batch = takeBatch();
  if (!batch && outbox.length === 0 && doneOut.length === 0 && itersOut.length === 0) return;
  const done = doneOut.length > 0 ? new Float64Array(doneOut) : undefined;
  const iters = itersOut.length > 0 ? new Float64Array(itersOut) : undefined;
  const msg: FromThreadMany = { t: 'many', list: outbox, done, iters, batch };
  outbox = [];
  doneOut = [];
  itersOut = [];
  const transfer: ArrayBuffer[] = [];
  if (batch) transfer.push(batch.samples.buffer as ArrayBuffer);
  if (done) transfer.push(done.buffer as ArrayBuffer);
  if (iters) transfer.push(iters.buffer as ArrayBuffer);
  port.postMessage(msg, transfer);
}

function queueFlush(): void {
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

function post(msg: FromThread): void {
  outbox.push(msg);
  queueFlush();
}
// Samples of long iterations still leave regularly.
setInterval(flush, FLUSH_MS).unref();

const host: VuHost = {
  defineMetric(name, type, contains) {
    const prev = localDefs.get(name);
    if (prev) {
      if (prev.type !== type || prev.contains !== contains) {
        throw new Error(`metric "${name}" is already defined as a ${prev.type} (${prev.contains}); cannot redefine it as a ${type} (${contains})`);
      }
      return;
    }
    localDefs.set(name, { type, contains });
    defs.push([name, type, contains]);
  },
  emit(metric, value, tags, timeMs) {
    let id = nameIds.get(metric);
    if (id === undefined) {
      id = nameIds.size;
      nameIds.set(metric, id);
      newNames.push(metric);
    }
    samples.push(id, tagIdOf(tags), value, timeMs);
    if (samples.length >= SAMPLE_LIMIT * 4) flush();
  },
  recordCheck(groupPath, name, pass) {
    const key = `c\0${groupPath}\0${name}`;
    let op = tree.get(key);
    if (!op) {
      op = { kind: 'check', groupPath, name, passes: 0, fails: 0 };
      tree.set(key, op);
    }
    if (op.kind === 'check') {
      if (pass) op.passes++;
      else op.fails++;
    }
  },
  recordGroup(groupPath) {
    const key = `g\0${groupPath}`;
    if (!tree.has(key)) tree.set(key, { kind: 'group', groupPath });
  },
  log(level, msg) {
    post({ t: 'log', level, msg });
  },
  abort(reason) {
    post({ t: 'abort', reason });
  },
  instance() {
    return instance;
  },
  testOptions() {
    return init.testOptions;
  },
};

const realm = new Realm(init.vu.code, init.vu.scriptPath, (level, ...args) => host.log(level, redactTokens(formatArgs(args))));

// A script's forgotten promise that rejects would end this thread (and every VU on it): log it instead.
process.on('unhandledRejection', (reason) => {
  host.log('error', `Uncaught (in promise) ${describeError(reason, init.vu.scriptPath, init.vu.lineMap)}`);
});

async function run(id: number, seq: number, input: IterationInput): Promise<void> {
  const vu = vus.get(id);
  if (!vu) {
    post({ t: 'done', id, seq, outcome: { ok: false, interrupted: false, error: `VU ${id} does not exist in this thread` } });
    return;
  }
  running.add(id);
  vu.setSetupData(setupJson);
  const outcome = await vu.runIteration(input, signalOf(id));
  running.delete(id);
  if (outcome.error === undefined && (outcome.ok || outcome.interrupted)) {
    doneOut.push(id, seq, outcome.interrupted ? 1 : 0);
    queueFlush();
    if (doneOut.length >= SAMPLE_LIMIT) flush();
  } else post({ t: 'done', id, seq, outcome });
}

/** setImmediate as a promise: lets timers, I/O and messages run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** How long a loop whose iterations never wait may run before it lets the event loop turn. */
const MAX_TURN_MS = 10;
/** An iteration shorter than this is taken as one that never waited (a wait goes through the event loop). */
const SYNC_ITERATION_MS = 1;

async function loop(m: LoopWire): Promise<void> {
  const { id, seq } = m;
  const vu = vus.get(id);
  const ctx = contexts.get(m.ctxId);
  const soft = softCells.get(id);
  if (!vu || !ctx || !soft) {
    post({ t: 'iter', id, seq, outcome: { ok: false, interrupted: true, error: `VU ${id} cannot loop in this thread` }, durationMs: 0 });
    post({ t: 'loopDone', id, seq });
    return;
  }
  const counter = new Int32Array(m.counter, 0, 2);
  const hard = vu.state.stopCell as Int32Array;
  running.add(id);
  let syncMs = 0;
  try {
    for (let n = 0; m.max < 0 || n < m.max; n++) {
      if (Atomics.load(soft, 0) !== 0 || Atomics.load(hard, 0) !== 0) break;
      const index = Atomics.add(counter, 0, 1);
      const limit = Atomics.load(counter, 1);
      if (limit >= 0 && index >= limit) break;
      const progress = m.durationMs > 0 ? Math.min(1, (Date.now() - m.startTimeMs) / m.durationMs) : m.totalIterations > 0 ? index / m.totalIterations : 0;
      const input: IterationInput = {
        scenario: { name: ctx.scenario.name, executor: ctx.scenario.executor, startTimeMs: m.startTimeMs, iterationInInstance: index, iterationInTest: index, progress },
        iterationInScenario: m.firstInScenario + n,
        tags: ctx.tags,
        env: ctx.env,
        exec: ctx.exec,
      };
      vu.setSetupData(setupJson);
      const t0 = performance.now();
      const outcome = await vu.runIteration(input, signalOf(id));
      const durationMs = performance.now() - t0;
      if (outcome.error === undefined && (outcome.ok || outcome.interrupted)) {
        itersOut.push(id, seq, outcome.interrupted ? 1 : 0, durationMs);
        queueFlush();
        if (itersOut.length >= SAMPLE_LIMIT) flush();
      } else post({ t: 'iter', id, seq, outcome, durationMs });
      if (outcome.interrupted) break;
      // Iterations that never wait resolve in microtasks: after MAX_TURN_MS of those, let timers, messages and
      // the other VUs run (one that waited already let them).
      syncMs = durationMs < SYNC_ITERATION_MS ? syncMs + durationMs : 0;
      if (syncMs > MAX_TURN_MS) {
        await nextTurn();
        syncMs = 0;
      }
    }
  } finally {
    running.delete(id);
    post({ t: 'loopDone', id, seq });
  }
}

let lifecycleVu: VuRuntime | undefined;

/** Plain-data form of what handleSummary returns (ArrayBuffers become text). */
function summaryOutput(out: unknown): unknown {
  if (out === null || typeof out !== 'object') return out;
  const res: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out as Record<string, unknown>)) {
    if (Object.prototype.toString.call(v) === '[object ArrayBuffer]') res[k] = Buffer.from(v as ArrayBuffer).toString('utf8');
    else if (ArrayBuffer.isView(v)) res[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
    else res[k] = v;
  }
  return res;
}

async function call(seq: number, name: 'setup' | 'teardown' | 'handleSummary', arg: string | undefined): Promise<void> {
  let msg: FromThread;
  try {
    lifecycleVu ??= new VuRuntime({ ...init.vu, idInInstance: 0, idInTest: 0, vuKey: `${init.threadIndex}:lifecycle` }, host, realm);
    const value = await lifecycleVu.callLifecycle(name, arg === undefined ? undefined : lifecycleVu.state.jsonParse(arg));
    const out = name === 'handleSummary' ? summaryOutput(value) : value;
    msg = { t: 'called', seq, ok: true, result: out === undefined ? undefined : JSON.stringify(out) };
  } catch (err) {
    msg = { t: 'called', seq, ok: false, aborted: err instanceof TestAbortError, error: err instanceof ScriptError ? err.message : describeError(err, init.vu.scriptPath, init.vu.lineMap) };
  }
  post(msg);
}

function handle(m: ToThread): void {
  switch (m.t) {
    case 'create': {
      try {
        const cell = new Int32Array(m.stop.buffer, m.stop.index * 4, 1);
        const vu = new VuRuntime({ ...init.vu, idInInstance: m.idInInstance, idInTest: m.idInTest, vuKey: `${init.threadIndex}:${m.id}` }, host, realm, cell);
        vus.set(m.id, vu);
        softCells.set(m.id, new Int32Array(m.stop.buffer, (m.stop.index + 1) * 4, 1));
        post({ t: 'created', id: m.id });
      } catch (err) {
        post({ t: 'createError', id: m.id, error: err instanceof ScriptError ? err.message : describeError(err, init.vu.scriptPath, init.vu.lineMap) });
      }
      break;
    }
    case 'ctx':
      contexts.set(m.ctxId, m.ctx);
      break;
    case 'loop':
      void loop(m);
      break;
    case 'setup':
      setupJson = m.json;
      break;
    case 'call':
      void call(m.seq, m.name, m.arg);
      break;
    case 'close':
      // The thread's exit closes every socket at once: closing thousands of connections one by one took longer.
      flush();
      process.exit(0);
  }
}


port.on('message', (m: ToThreadMany) => {
  // Before the list: a loop it starts runs its first iteration at once and reads exec.instance.
  if (m.instance) instance = m.instance;
  for (const one of m.list) handle(one);
  const r = m.runs;
  if (r) {
    for (let i = 0; i < r.length; i += RUN_FIELDS) {
      const ctx = contexts.get(r[i + 2]!)!;
      const input: IterationInput = {
        scenario: { name: ctx.scenario.name, executor: ctx.scenario.executor, iterationInInstance: r[i + 3]!, iterationInTest: r[i + 4]!, progress: r[i + 6]!, startTimeMs: r[i + 7]! },
        iterationInScenario: r[i + 5]!,
        tags: ctx.tags,
        env: ctx.env,
        exec: ctx.exec,
      };
      void run(r[i]!, r[i + 1]!, input);
    }
  }
  for (const id of m.stops ?? []) if (running.has(id)) controllers.get(id)?.abort();
});
