// Entry of a VU thread: hosts one or more VUs (vm contexts), runs their iterations on request from the main
// thread, and ships samples, metric definitions and check/group counts back in batches.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SyncBridge } from './bridge.ts';
import { ScriptError, TestAbortError } from './errors.ts';
import { EMPTY_INSTANCE, type InstanceInfo, type MetricContains, type MetricKind, type TagSet, type VuHost } from './host.ts';
import { describeError, VuRuntime } from './vu.ts';
import type { IterationInput } from './vu-state.ts';
import type { ThreadBatch, ThreadInit, ToThread, FromThread, TreeOp } from './thread-protocol.ts';

const init = workerData as ThreadInit;
const port = parentPort as MessagePort;
const bridge = new SyncBridge(init.bridgePort, init.bridgeFlag);
const vus = new Map<number, VuRuntime>();
const controllers = new Map<number, AbortController>();
let instance: InstanceInfo = EMPTY_INSTANCE;
let setupJson: string | undefined;

// ---- batching: nothing accumulates beyond one batch (flushed every FLUSH_MS, at SAMPLE_LIMIT, and per iteration)
const FLUSH_MS = 200;
const SAMPLE_LIMIT = 8192;
const nameIds = new Map<string, number>();
let newNames: string[] = [];
let tagIds = new Map<TagSet, number>();
let tagSets: TagSet[] = [];
let samples: number[] = [];
let defs: Array<[string, MetricKind, MetricContains]> = [];
let tree = new Map<string, TreeOp>();
const localDefs = new Map<string, { type: MetricKind; contains: MetricContains }>();

function post(msg: FromThread, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
}

function takeBatch(): ThreadBatch | undefined {
  if (samples.length === 0 && defs.length === 0 && tree.size === 0 && newNames.length === 0) return undefined;
  const s = new Float64Array(samples);
  const b: ThreadBatch = { names: newNames, tags: tagSets, samples: s, defs, tree: [...tree.values()] };
  newNames = [];
  tagIds = new Map();
  tagSets = [];
  samples = [];
  defs = [];
  tree = new Map();
  return b;
}

function flush(): void {
  const b = takeBatch();
  if (b) post({ t: 'batch', batch: b }, [b.samples.buffer as ArrayBuffer]);
}
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
    let tagId = tagIds.get(tags);
    if (tagId === undefined) {
      tagId = tagSets.length;
      tagIds.set(tags, tagId);
      tagSets.push(tags);
    }
    samples.push(id, tagId, value, timeMs);
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
    flush();
    post({ t: 'abort', reason });
  },
  syncRequest(vuKey, specs) {
    return bridge.request(vuKey, specs);
  },
  instance() {
    return instance;
  },
  testOptions() {
    return init.testOptions;
  },
};

async function run(id: number, seq: number, input: IterationInput): Promise<void> {
  const vu = vus.get(id);
  if (!vu) {
    post({ t: 'done', id, seq, outcome: { ok: false, interrupted: false, error: `VU ${id} does not exist in this thread` } });
    return;
  }
  const ac = new AbortController();
  controllers.set(id, ac);
  vu.setSetupData(setupJson);
  const outcome = await vu.runIteration(input, ac.signal);
  controllers.delete(id);
  const batch = takeBatch();
  post({ t: 'done', id, seq, outcome, batch }, batch ? [batch.samples.buffer as ArrayBuffer] : undefined);
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
    lifecycleVu ??= new VuRuntime({ ...init.vu, idInInstance: 0, idInTest: 0, vuKey: `${init.threadIndex}:lifecycle` }, host);
    const value = await lifecycleVu.callLifecycle(name, arg === undefined ? undefined : lifecycleVu.state.jsonParse(arg));
    const out = name === 'handleSummary' ? summaryOutput(value) : value;
    msg = { t: 'called', seq, ok: true, result: out === undefined ? undefined : JSON.stringify(out) };
  } catch (err) {
    msg = { t: 'called', seq, ok: false, aborted: err instanceof TestAbortError, error: err instanceof ScriptError ? err.message : describeError(err, init.vu.scriptPath, init.vu.lineMap) };
  }
  const batch = takeBatch();
  post({ ...msg, batch }, batch ? [batch.samples.buffer as ArrayBuffer] : undefined);
}

port.on('message', (m: ToThread) => {
  switch (m.t) {
    case 'create': {
      try {
        const vu = new VuRuntime({ ...init.vu, idInInstance: m.idInInstance, idInTest: m.idInTest, vuKey: `${init.threadIndex}:${m.id}` }, host);
        vu.state.stopCell = new Int32Array(m.stopCell);
        vus.set(m.id, vu);
        const batch = takeBatch();
        post({ t: 'created', id: m.id, batch }, batch ? [batch.samples.buffer as ArrayBuffer] : undefined);
      } catch (err) {
        post({ t: 'createError', id: m.id, error: err instanceof ScriptError ? err.message : describeError(err, init.vu.scriptPath, init.vu.lineMap) });
      }
      break;
    }
    case 'run':
      instance = m.instance;
      void run(m.id, m.seq, m.input);
      break;
    case 'stop':
      controllers.get(m.id)?.abort();
      break;
    case 'setup':
      setupJson = m.json;
      break;
    case 'call':
      void call(m.seq, m.name, m.arg);
      break;
    case 'close':
      flush();
      for (const vu of vus.values()) vu.close();
      process.exit(0);
  }
});
