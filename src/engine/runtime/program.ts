// A loaded k6 script: bundles and lifts it (sync k6 calls become suspensions, see lift.ts), evaluates its init
// context once on the main thread (options, exports, metric definitions), and runs VUs in worker threads — one
// per core, thousands of VUs each — that feed the shared registry.
import fs from 'node:fs';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { bundleScript, type BundledScript } from './loader.ts';
import { ScriptError, TestAbortError, redactTokens } from './errors.ts';
import { GroupTree, type GroupNode } from './group-tree.ts';
import { EMPTY_INSTANCE, type InstanceInfo, type MetricContains, type MetricKind, type TagSet, type VuHost } from './host.ts';
import { liftBundle, Realm } from './realm.ts';
import { startWorker } from './threads.ts';
import { DONE_FIELDS, ITER_FIELDS, RUN_FIELDS, type FromThread, type FromThreadMany, type RunContext, type StopCellRef, type ThreadBatch, type ThreadInit, type ToThread, type ToThreadMany } from './thread-protocol.ts';
import { describeError, formatArgs, VuRuntime, type IterationOutcome } from './vu.ts';

/** The part of B2's MetricRegistry the runtime uses (structurally compatible with it). */
export interface RegistryLike {
  define(name: string, type: MetricKind, contains?: MetricContains): object;
  get(name: string): object | undefined;
  add(metric: object | string, value: number, tags: Readonly<Record<string, string>>, timeMs?: number): void;
}

export interface LoadOptions {
  env: Record<string, string>;
  registry: RegistryLike;
  /** called by k6/execution test.abort(reason) */
  onAbort: (reason: string) => void;
  /** console output sink; default: k6-like `time=… level=… msg=… source=console` lines on stderr */
  log?: (level: string, msg: string) => void;
  /** Additive: exec.instance values (vusActive, iterationsCompleted …); zeros when absent. */
  instance?: () => InstanceInfo;
  /** Additive: resolved options for exec.test.options and HTTP defaults (userAgent, insecureSkipTLSVerify,
   *  maxRedirects, discardResponseBodies); the script's own options when absent. Read when VUs are created. */
  testOptions?: () => Record<string, unknown>;
  /** Additive: VU worker threads (default: one per core, see defaultThreads); VUs are spread over them evenly. */
  threads?: number;
}

// The scheduler's side of the VU contract: one definition, in the executors' types.
import type { IterationContext, IterationResult, LoopSpec } from '../executors/types.ts';
export type { IterationContext, IterationResult, LoopSpec };

export interface VU {
  idInInstance: number;
  idInTest: number;
  runIteration(ctx: IterationContext): Promise<IterationResult>;
  runLoop(spec: LoopSpec): Promise<void>;
}

export interface Program {
  options: Record<string, unknown>;
  exports: { default: boolean; setup: boolean; teardown: boolean; handleSummary: boolean; functions: string[] };
  createVU(idInInstance: number, idInTest: number): Promise<VU>;
  runSetup(): Promise<unknown>;
  runTeardown(data: unknown): Promise<void>;
  runHandleSummary(data: object): Promise<Record<string, string> | null>;
  rootGroup(): GroupNode;
  close(): Promise<void>;
}

const BUILTIN: Record<string, [MetricKind, MetricContains]> = {
  http_reqs: ['counter', 'default'],
  http_req_duration: ['trend', 'time'],
  http_req_blocked: ['trend', 'time'],
  http_req_connecting: ['trend', 'time'],
  http_req_tls_handshaking: ['trend', 'time'],
  http_req_sending: ['trend', 'time'],
  http_req_waiting: ['trend', 'time'],
  http_req_receiving: ['trend', 'time'],
  http_req_failed: ['rate', 'default'],
  checks: ['rate', 'default'],
  group_duration: ['trend', 'time'],
  data_sent: ['counter', 'data'],
  data_received: ['counter', 'data'],
};

/** One VU thread per core the process may use: VUs never block a thread, so more threads only add memory. */
export function defaultThreads(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/** Stop cells (a hard and a soft Int32 per VU) are handed out from shared blocks: 5000 VUs, not 5000 buffers. */
class StopCells {
  private block: SharedArrayBuffer | undefined;
  private used = 0;
  private static readonly PER_BLOCK = 2048;
  next(): StopPair {
    if (!this.block || this.used === StopCells.PER_BLOCK) {
      this.block = new SharedArrayBuffer(4 * StopCells.PER_BLOCK);
      this.used = 0;
    }
    const index = this.used;
    this.used += 2;
    return { ref: { buffer: this.block, index }, cell: new Int32Array(this.block, index * 4, 1), soft: new Int32Array(this.block, (index + 1) * 4, 1) };
  }
}

interface StopPair { ref: StopCellRef; cell: Int32Array; soft: Int32Array }
interface PendingLoop { onIteration: LoopSpec['onIteration']; resolve: () => void }

function defaultLog(level: string, msg: string): void {
  process.stderr.write(`time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)} source=console\n`);
}

/** Hands samples to the registry, defining k6's built-in metrics on first use. */
class RegistrySink {
  private readonly metrics = new Map<string, object>();
  constructor(private readonly registry: RegistryLike, private readonly onError: (msg: string) => void) {}

  define(name: string, type: MetricKind, contains: MetricContains): void {
    this.metrics.set(name, this.registry.define(name, type, contains));
  }

  add(name: string, value: number, tags: TagSet, timeMs: number): void {
    let m = this.metrics.get(name);
    if (!m) {
      m = this.registry.get(name);
      if (!m) {
        const b = BUILTIN[name];
        if (!b) {
          this.onError(`sample for undefined metric "${name}" dropped`);
          return;
        }
        m = this.registry.define(name, b[0], b[1]);
      }
      this.metrics.set(name, m);
    }
    this.registry.add(m, value, tags, timeMs);
  }
}

interface Pending { resolve: (o: IterationOutcome) => void }

/** One listener per signal, however many iterations share it (a scheduler passes one stop signal to all VUs). */
const watchers = new WeakMap<AbortSignal, Set<() => void>>();
function watchAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = watchers.get(signal);
  if (!set) {
    const s = new Set<() => void>();
    set = s;
    watchers.set(signal, s);
    signal.addEventListener('abort', () => { for (const f of [...s]) f(); }, { once: true });
  }
  set.add(fn);
  return () => set.delete(fn);
}
type CallResult = { ok: true; result: string | undefined } | { ok: false; error: string; aborted: boolean };

/** A VU thread as the main thread sees it. */
class VuThread {
  private readonly names: string[] = [];
  private tagTable: TagSet[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly creating = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly calls = new Map<number, (r: CallResult) => void>();
  private readonly stopCells = new Map<number, StopPair>();
  private readonly loops = new Map<string, PendingLoop>();
  private seq = 0;
  private setupSent: string | undefined = undefined;
  private dead: string | undefined;
  private outbox: ToThread[] = [];
  private runsOut: number[] = [];
  private stopsOut: number[] = [];
  private instanceOut: InstanceInfo | undefined;
  private flushQueued = false;
  /** Run contexts already sent to this thread (a few per scenario: compared by identity). */
  private readonly contexts: Array<RunContext & { id: number }> = [];
  /** VUs living here (for spreading new ones evenly). */
  vus = 0;

  constructor(readonly index: number, private readonly worker: Worker, private readonly program: ScriptProgram) {
    worker.on('message', (m: FromThreadMany) => {
      if (m.batch) this.apply(m.batch);
      const d = m.done;
      if (d) {
        for (let i = 0; i < d.length; i += DONE_FIELDS) {
          const key = `${d[i]}:${d[i + 1]}`;
          this.pending.get(key)?.resolve({ ok: true, interrupted: d[i + 2] === 1 });
          this.pending.delete(key);
        }
      }
      const it = m.iters;
      // Looping VUs read exec.instance from the thread's last snapshot: refresh it as their iterations come in.
      if (it && this.loops.size > 0) {
        this.instanceOut = this.program.instanceNow();
        this.queueFlush();
      }
      if (it) {
        for (let i = 0; i < it.length; i += ITER_FIELDS) {
          this.loops.get(`${it[i]}:${it[i + 1]}`)?.onIteration({ ok: it[i + 2] !== 1, interrupted: it[i + 2] === 1 }, it[i + 3]!);
        }
      }
      for (const one of m.list) this.onMessage(one);
    });
    worker.on('error', (err) => this.die(`VU thread ${index} crashed: ${err.message}`));
    worker.on('exit', (code) => this.die(`VU thread ${index} exited (code ${code})`));
  }

  private die(why: string): void {
    if (this.dead) return;
    this.dead = why;
    for (const p of this.pending.values()) p.resolve({ ok: false, interrupted: true, error: why });
    this.pending.clear();
    for (const c of this.creating.values()) c.reject(new ScriptError(why));
    this.creating.clear();
    for (const c of this.calls.values()) c({ ok: false, error: why, aborted: false });
    this.calls.clear();
    for (const l of this.loops.values()) l.resolve();
    this.loops.clear();
  }

  private onMessage(m: FromThread): void {
    switch (m.t) {
      case 'done': {
        const key = `${m.id}:${m.seq}`;
        this.pending.get(key)?.resolve(m.outcome);
        this.pending.delete(key);
        break;
      }
      case 'iter':
        this.loops.get(`${m.id}:${m.seq}`)?.onIteration(m.outcome, m.durationMs);
        break;
      case 'loopDone': {
        const key = `${m.id}:${m.seq}`;
        this.loops.get(key)?.resolve();
        this.loops.delete(key);
        break;
      }
      case 'created':
        this.creating.get(m.id)?.resolve();
        this.creating.delete(m.id);
        break;
      case 'createError':
        this.creating.get(m.id)?.reject(new ScriptError(m.error));
        this.creating.delete(m.id);
        break;
      case 'called': {
        const done = this.calls.get(m.seq);
        this.calls.delete(m.seq);
        done?.(m.ok ? { ok: true, result: m.result } : { ok: false, error: m.error, aborted: m.aborted });
        break;
      }
      case 'log':
        this.program.log(m.level, m.msg);
        break;
      case 'abort':
        this.program.opts.onAbort(m.reason);
        break;
    }
  }

  private apply(b: ThreadBatch): void {
    for (const [name, type, contains] of b.defs) this.program.defineMetric(name, type, contains);
    this.names.push(...b.names);
    if (b.tagsReset) this.tagTable = [];
    for (const t of b.tags) this.tagTable.push(t);
    const s = b.samples;
    const sink = this.program.sink;
    const tags = this.tagTable;
    for (let i = 0; i < s.length; i += 4) {
      sink.add(this.names[s[i]!]!, s[i + 2]!, tags[s[i + 1]!]!, s[i + 3]!);
    }
    for (const op of b.tree) {
      if (op.kind === 'group') this.program.tree.group(op.groupPath);
      else this.program.tree.addCheck(op.groupPath, op.name, op.passes, op.fails);
    }
  }

  /** Messages of one turn leave together (see thread-protocol.ts). */
  private send(m: ToThread): void {
    this.outbox.push(m);
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      const msg: ToThreadMany = { t: 'many', list: this.outbox };
      if (this.runsOut.length > 0) msg.runs = new Float64Array(this.runsOut);
      if (this.stopsOut.length > 0) msg.stops = this.stopsOut;
      if (this.instanceOut) msg.instance = this.instanceOut;
      this.outbox = [];
      this.runsOut = [];
      this.stopsOut = [];
      this.instanceOut = undefined;
      if (!this.dead) this.worker.postMessage(msg, msg.runs ? [msg.runs.buffer as ArrayBuffer] : []);
    });
  }

  private contextId(ctx: Pick<IterationContext, 'tags' | 'env' | 'exec'> & { scenario: { name: string; executor: string } }): number {
    for (const c of this.contexts) {
      if (c.tags === ctx.tags && c.env === ctx.env && c.exec === ctx.exec && c.scenario.name === ctx.scenario.name && c.scenario.executor === ctx.scenario.executor) return c.id;
    }
    const entry = { id: this.contexts.length, scenario: { name: ctx.scenario.name, executor: ctx.scenario.executor }, tags: ctx.tags, env: ctx.env, exec: ctx.exec };
    this.contexts.push(entry);
    const { id, ...sent } = entry;
    this.send({ t: 'ctx', ctxId: id, ctx: sent });
    return id;
  }

  create(id: number, idInInstance: number, idInTest: number, stop: StopPair): Promise<void> {
    if (this.dead) return Promise.reject(new ScriptError(this.dead));
    this.stopCells.set(id, stop);
    return new Promise((resolve, reject) => {
      this.creating.set(id, { resolve, reject });
      this.send({ t: 'create', id, idInInstance, idInTest, stop: stop.ref });
    });
  }

  run(id: number, ctx: IterationContext, instance: InstanceInfo, setupJson: string | undefined): Promise<IterationOutcome> {
    if (this.dead) return Promise.resolve({ ok: false, interrupted: true, error: this.dead });
    if (setupJson !== this.setupSent) {
      this.setupSent = setupJson;
      this.send({ t: 'setup', json: setupJson });
    }
    const seq = ++this.seq;
    const ctxId = this.contextId(ctx);
    const cell = this.stopCells.get(id)?.cell;
    if (cell) Atomics.store(cell, 0, 0);
    return new Promise<IterationOutcome>((resolve) => {
      const onAbort = (): void => {
        // The cell reaches a VU in a busy loop (its thread reads no messages); the message aborts its waits.
        if (cell) Atomics.store(cell, 0, 1);
        this.stopsOut.push(id);
        this.queueFlush();
      };
      const unwatch = watchAbort(ctx.signal, onAbort);
      this.pending.set(`${id}:${seq}`, {
        resolve: (o) => {
          unwatch();
          resolve(o);
        },
      });
      const sc = ctx.scenario;
      this.runsOut.push(id, seq, ctxId, sc.iterationInInstance, sc.iterationInTest, ctx.iterationInScenario, sc.progress, sc.startTimeMs);
      this.instanceOut = instance;
      this.queueFlush();
      if (ctx.signal.aborted) onAbort();
    });
  }

  /** Iterations back to back in the VU's thread (see LoopWire); resolves when the loop has ended there. */
  loop(id: number, spec: LoopSpec, instance: InstanceInfo, setupJson: string | undefined): Promise<void> {
    if (this.dead) return Promise.resolve();
    if (setupJson !== this.setupSent) {
      this.setupSent = setupJson;
      this.send({ t: 'setup', json: setupJson });
    }
    const seq = ++this.seq;
    const ctxId = this.contextId(spec.base);
    const pair = this.stopCells.get(id);
    if (pair) {
      Atomics.store(pair.cell, 0, 0);
      Atomics.store(pair.soft, 0, 0);
    }
    return new Promise<void>((resolve) => {
      const onSoft = (): void => {
        if (pair) Atomics.store(pair.soft, 0, 1);
      };
      const onHard = (): void => {
        if (pair) Atomics.store(pair.cell, 0, 1);
        this.stopsOut.push(id);
        this.queueFlush();
      };
      const unwatchSoft = watchAbort(spec.soft, onSoft);
      const unwatchHard = watchAbort(spec.hard, onHard);
      this.loops.set(`${id}:${seq}`, {
        onIteration: spec.onIteration,
        resolve: () => {
          unwatchSoft();
          unwatchHard();
          resolve();
        },
      });
      this.instanceOut = instance;
      this.send({
        t: 'loop', id, seq, ctxId, counter: spec.counter, max: Number.isFinite(spec.maxIterations) ? spec.maxIterations : -1,
        startTimeMs: spec.base.scenario.startTimeMs, durationMs: spec.durationMs, totalIterations: spec.totalIterations, firstInScenario: spec.firstInScenario,
      });
      if (spec.soft.aborted) onSoft();
      if (spec.hard.aborted) onHard();
    });
  }

  call(name: 'setup' | 'teardown' | 'handleSummary', arg: string | undefined): Promise<CallResult> {
    if (this.dead) return Promise.resolve({ ok: false, error: this.dead, aborted: false });
    const seq = ++this.seq;
    return new Promise<CallResult>((resolve) => {
      this.calls.set(seq, resolve);
      this.send({ t: 'call', seq, name, arg });
    });
  }

  async close(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.send({ t: 'close' });
    // A VU stuck where no stop check reaches (a native call that never returns) cannot hold the exit.
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }

  /** Ends the thread now, whatever its VUs do. */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

class ScriptProgram implements Program {
  readonly options: Record<string, unknown>;
  readonly exports: Program['exports'];
  readonly tree = new GroupTree();
  readonly sink: RegistrySink;
  private readonly main: VuRuntime;
  private readonly threads: Array<Promise<VuThread>> = [];
  private readonly threadsReady: VuThread[] = [];
  private readonly threadCount: number;
  private readonly stopCells = new StopCells();
  private nextVuId = 1;
  private setupJson: string | undefined;
  private closed = false;

  constructor(private readonly bundle: BundledScript, private readonly lifted: string, readonly opts: LoadOptions) {
    this.sink = new RegistrySink(opts.registry, (msg) => this.log('warning', msg));
    // The main thread only evaluates the init context (options, exports, metric definitions): VUs and the lifecycle
    // functions run in worker threads, so nothing a script does can stop the scheduler, the progress output or
    // a hard stop.
    const mainHost: VuHost = {
      defineMetric: (name, type, contains) => this.defineMetric(name, type, contains, true),
      emit: (metric, value, tags, timeMs) => this.sink.add(metric, value, tags, timeMs),
      recordCheck: (groupPath, name, pass) => this.tree.addCheck(groupPath, name, pass ? 1 : 0, pass ? 0 : 1),
      recordGroup: (groupPath) => void this.tree.group(groupPath),
      log: (level, msg) => this.log(level, msg),
      abort: (reason) => opts.onAbort(reason),
      instance: () => opts.instance?.() ?? EMPTY_INSTANCE,
      testOptions: () => this.testOptions(),
    };
    const realm = new Realm(lifted, bundle.scriptPath, (level, ...args) => this.log(level, redactTokens(formatArgs(args))));
    this.main = new VuRuntime({ ...bundle, env: opts.env, idInInstance: 0, idInTest: 0, vuKey: 'main' }, mainHost, realm);
    const ex = this.main.exports;
    let options: Record<string, unknown> = {};
    if (ex['options'] !== undefined) {
      try {
        options = JSON.parse(JSON.stringify(ex['options'])) as Record<string, unknown>;
      } catch (err) {
        throw new ScriptError(`the exported options of ${bundle.scriptPath} are not plain data: ${(err as Error).message}`);
      }
      if (typeof options !== 'object' || options === null || Array.isArray(options)) {
        throw new ScriptError(`the exported options of ${bundle.scriptPath} must be an object`);
      }
    }
    this.options = options;
    const fns = Object.keys(ex).filter((k) => typeof ex[k] === 'function');
    this.exports = {
      default: fns.includes('default'),
      setup: fns.includes('setup'),
      teardown: fns.includes('teardown'),
      handleSummary: fns.includes('handleSummary'),
      functions: fns,
    };
    this.threadCount = Math.max(1, opts.threads ?? defaultThreads());
  }

  testOptions(): Record<string, unknown> {
    return this.opts.testOptions?.() ?? this.options;
  }

  /** exec.instance as the scheduler sees it now. */
  instanceNow(): InstanceInfo {
    return this.opts.instance?.() ?? EMPTY_INSTANCE;
  }

  log(level: string, msg: string): void {
    (this.opts.log ?? defaultLog)(level, redactTokens(msg));
  }

  defineMetric(name: string, type: MetricKind, contains: MetricContains, rethrow = false): void {
    try {
      this.sink.define(name, type, contains);
    } catch (err) {
      if (rethrow) throw err;
      this.log('error', `cannot define metric "${name}": ${(err as Error).message}`);
    }
  }

  /** The thread for one more VU (synchronously, so concurrent createVU calls see each other): the least busy. */
  private pickThread(): Promise<VuThread> {
    if (this.threads.length < this.threadCount) {
      const t = this.spawnThread(this.threads.length);
      this.threads.push(t);
      return t;
    }
    let best = this.threadsReady[0];
    for (const t of this.threadsReady) if (best && t.vus < best.vus) best = t;
    return best ? Promise.resolve(best) : this.threads[(this.nextVuId - 1) % this.threads.length]!;
  }

  private async spawnThread(index: number): Promise<VuThread> {
    const init: ThreadInit = {
      threadIndex: index,
      vu: { code: this.lifted, scriptPath: this.bundle.scriptPath, scriptDir: this.bundle.scriptDir, env: this.opts.env, lineMap: this.bundle.lineMap },
      testOptions: JSON.parse(JSON.stringify(this.testOptions())) as Record<string, unknown>,
    };
    const worker = await startWorker('vu-worker.ts', init);
    const t = new VuThread(index, worker, this);
    this.threadsReady.push(t);
    return t;
  }

  /** setup/teardown/handleSummary run on the first VU thread (on a VU of their own). */
  private async lifecycle(name: 'setup' | 'teardown' | 'handleSummary', arg: string | undefined): Promise<string | undefined> {
    if (this.threads.length === 0) this.threads.push(this.spawnThread(0));
    const r = await (await this.threads[0]!).call(name, arg);
    if (r.ok) return r.result;
    if (r.aborted) throw new TestAbortError(r.error);
    throw new ScriptError(`${name}() of ${this.bundle.scriptPath} threw: ${r.error}`);
  }

  async createVU(idInInstance: number, idInTest: number): Promise<VU> {
    if (this.closed) throw new Error('createVU: the program is closed');
    const id = this.nextVuId++;
    const pick = this.pickThread();
    const stop = this.stopCells.next();
    const t = await pick;
    t.vus++;
    try {
      await t.create(id, idInInstance, idInTest, stop);
    } catch (err) {
      t.vus--;
      throw err;
    }
    return {
      idInInstance,
      idInTest,
      runIteration: async (ctx) => {
        // An exception that ended the iteration is in `outcome.error`: the scheduler logs it (with k6's fields).
        return await t.run(id, ctx, this.opts.instance?.() ?? EMPTY_INSTANCE, this.setupJson);
      },
      // Iteration errors reach the scheduler in each outcome; it logs them (with k6's fields).
      runLoop: (spec) => t.loop(id, spec, this.opts.instance?.() ?? EMPTY_INSTANCE, this.setupJson),
    };
  }

  async runSetup(): Promise<unknown> {
    if (!this.exports.setup) return undefined;
    this.setupJson = await this.lifecycle('setup', undefined);
    return this.setupJson === undefined ? undefined : JSON.parse(this.setupJson);
  }

  async runTeardown(data: unknown): Promise<void> {
    if (!this.exports.teardown) return;
    await this.lifecycle('teardown', data === undefined ? undefined : JSON.stringify(data));
  }

  async runHandleSummary(data: object): Promise<Record<string, string> | null> {
    if (!this.exports.handleSummary) return null;
    const json = await this.lifecycle('handleSummary', JSON.stringify(data));
    const out: unknown = json === undefined ? {} : JSON.parse(json);
    if (out === null) return {};
    if (typeof out !== 'object' || Array.isArray(out)) {
      throw new ScriptError(`handleSummary() of ${this.bundle.scriptPath} must return an object of path → content, got ${Array.isArray(out) ? 'an array' : typeof out}`);
    }
    const result: Record<string, string> = {};
    for (const [k, v] of Object.entries(out as Record<string, unknown>)) result[k] = typeof v === 'string' ? v : JSON.stringify(v);
    return result;
  }

  rootGroup(): GroupNode {
    return this.tree.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = await Promise.allSettled(this.threads);
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    this.main.close();
  }
}

export async function loadProgram(scriptPath: string, opts: LoadOptions): Promise<Program> {
  if (!fs.existsSync(scriptPath) || !fs.statSync(scriptPath).isFile()) {
    throw new ScriptError(`script ${scriptPath} not found (cwd ${process.cwd()}): pass the path of a k6 .js script`);
  }
  const bundle = await bundleScript(scriptPath);
  const lifted = liftBundle(bundle.code, bundle.scriptPath);
  try {
    return new ScriptProgram(bundle, lifted, opts);
  } catch (err) {
    if (err instanceof ScriptError) throw err;
    throw new ScriptError(`cannot load ${scriptPath}: ${describeError(err, bundle.scriptPath, bundle.lineMap)}`, { cause: err });
  }
}

/** How many CPUs the runtime sees (for B3's sizing decisions and the README's numbers). */
export const CPU_COUNT = os.cpus().length;
