// A loaded k6 script: bundles it, evaluates its init context once on the main thread (options, exports, metric
// definitions, setup/teardown/handleSummary), and creates VUs in worker threads that feed the shared registry.
import fs from 'node:fs';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { bundleScript, type BundledScript } from './loader.ts';
import { ScriptError, TestAbortError, redactTokens } from './errors.ts';
import { GroupTree, type GroupNode } from './group-tree.ts';
import { EMPTY_INSTANCE, type InstanceInfo, type MetricContains, type MetricKind, type TagSet, type VuHost } from './host.ts';
import { IoThread, startWorker } from './threads.ts';
import type { SyncBridge } from './bridge.ts';
import type { FromThread, ThreadBatch, ThreadInit, ToThread } from './thread-protocol.ts';
import { describeError, VuRuntime, type IterationOutcome } from './vu.ts';
import type { IterationInput } from './vu-state.ts';

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
  /** Additive: VUs per worker thread. Default: 1 when the script can block (sleep, http.get …), else 32. */
  vusPerThread?: number;
  /** Additive: upper bound on VU threads (default 64); beyond it VUs share threads. */
  maxThreads?: number;
  /** Additive: where VUs run. 'main': vm contexts on this thread's event loop (no thread hop per iteration, no
   *  sample shipping); 'threads': worker threads. Default 'auto': 'main' when the script cannot block (see
   *  mayBlock) and no vusPerThread is given, else 'threads'. */
  vuPlacement?: 'auto' | 'main' | 'threads';
}

// The scheduler's side of the VU contract: one definition, in the executors' types.
import type { IterationContext, IterationResult } from '../executors/types.ts';
export type { IterationContext, IterationResult };

export interface VU {
  idInInstance: number;
  idInTest: number;
  runIteration(ctx: IterationContext): Promise<IterationResult>;
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

/**
 * Whether the script can block a thread (sleep, synchronous http): then each VU wants its own thread. A text scan
 * of the bundle, conservative on purpose: any mention of `sleep`, and the verbs called as `x.get(`, `get(` or as
 * esbuild writes named imports, `(0, import_http.get)(`. A call it misses still works (see hostForMainVus).
 */
export function mayBlock(code: string): boolean {
  return /\bsleep\b|\.(get|post|put|patch|del|head|request|batch|options)\s*\)?\s*\(|\b(get|post|put|patch|del|head|request|batch)\s*\(/.test(code);
}

/** setImmediate as a promise: lets timers and I/O callbacks run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** How long VUs on the main thread may run back to back without letting the event loop turn. */
const MAX_TURN_MS = 10;

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
  private readonly pending = new Map<string, Pending>();
  private readonly creating = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly calls = new Map<number, (r: CallResult) => void>();
  private readonly stopCells = new Map<number, Int32Array>();
  private seq = 0;
  private setupSent: string | undefined = undefined;
  private dead: string | undefined;

  constructor(readonly index: number, private readonly worker: Worker, private readonly program: ScriptProgram) {
    worker.on('message', (m: FromThread) => this.onMessage(m));
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
  }

  private onMessage(m: FromThread): void {
    switch (m.t) {
      case 'batch':
        this.apply(m.batch);
        break;
      case 'done': {
        if (m.batch) this.apply(m.batch);
        const key = `${m.id}:${m.seq}`;
        this.pending.get(key)?.resolve(m.outcome);
        this.pending.delete(key);
        break;
      }
      case 'created':
        if (m.batch) this.apply(m.batch);
        this.creating.get(m.id)?.resolve();
        this.creating.delete(m.id);
        break;
      case 'createError':
        this.creating.get(m.id)?.reject(new ScriptError(m.error));
        this.creating.delete(m.id);
        break;
      case 'called': {
        if (m.batch) this.apply(m.batch);
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
    const s = b.samples;
    const sink = this.program.sink;
    for (let i = 0; i < s.length; i += 4) {
      sink.add(this.names[s[i]!]!, s[i + 2]!, b.tags[s[i + 1]!]!, s[i + 3]!);
    }
    for (const op of b.tree) {
      if (op.kind === 'group') this.program.tree.group(op.groupPath);
      else this.program.tree.addCheck(op.groupPath, op.name, op.passes, op.fails);
    }
  }

  private send(m: ToThread): void {
    this.worker.postMessage(m);
  }

  create(id: number, idInInstance: number, idInTest: number): Promise<void> {
    if (this.dead) return Promise.reject(new ScriptError(this.dead));
    const stopCell = new SharedArrayBuffer(4);
    this.stopCells.set(id, new Int32Array(stopCell));
    return new Promise((resolve, reject) => {
      this.creating.set(id, { resolve, reject });
      this.send({ t: 'create', id, idInInstance, idInTest, stopCell });
    });
  }

  run(id: number, ctx: IterationContext, instance: InstanceInfo, setupJson: string | undefined): Promise<IterationOutcome> {
    if (this.dead) return Promise.resolve({ ok: false, interrupted: true, error: this.dead });
    if (setupJson !== this.setupSent) {
      this.setupSent = setupJson;
      this.send({ t: 'setup', json: setupJson });
    }
    const seq = ++this.seq;
    const input: IterationInput = {
      scenario: { ...ctx.scenario }, iterationInScenario: ctx.iterationInScenario, tags: ctx.tags, env: ctx.env, exec: ctx.exec,
    };
    const cell = this.stopCells.get(id);
    if (cell) Atomics.store(cell, 0, 0);
    return new Promise<IterationOutcome>((resolve) => {
      const onAbort = (): void => {
        // The cell wakes a VU blocked in sleep(); the message aborts its in-flight async requests.
        if (cell) {
          Atomics.store(cell, 0, 1);
          Atomics.notify(cell, 0);
        }
        this.send({ t: 'stop', id });
      };
      const unwatch = watchAbort(ctx.signal, onAbort);
      this.pending.set(`${id}:${seq}`, {
        resolve: (o) => {
          unwatch();
          resolve(o);
        },
      });
      this.send({ t: 'run', id, seq, input, instance });
      if (ctx.signal.aborted) onAbort();
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
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }
}

class ScriptProgram implements Program {
  readonly options: Record<string, unknown>;
  readonly exports: Program['exports'];
  readonly tree = new GroupTree();
  readonly sink: RegistrySink;
  private readonly main: VuRuntime;
  private readonly slots: Array<{ thread: Promise<VuThread>; vus: number }> = [];
  private lifecycleThread: Promise<VuThread> | undefined;
  private threadCount = 0;
  private nextVuId = 1;
  private setupJson: string | undefined;
  private readonly vusPerThread: number;
  private readonly maxThreads: number;
  /** VUs run on this thread (async-only scripts): see LoadOptions.vuPlacement. */
  readonly vusOnMain: boolean;
  private readonly mainVus: VuRuntime[] = [];
  private mainVuHost: VuHost | undefined;
  private mainBridge: SyncBridge | undefined;
  private rejectionGuard: ((reason: unknown) => void) | undefined;
  private lastTurnMs = 0;
  private closed = false;

  constructor(private readonly bundle: BundledScript, readonly opts: LoadOptions, private readonly io: IoThread) {
    this.sink = new RegistrySink(opts.registry, (msg) => this.log('warning', msg));
    // The main thread only evaluates the init context (options, exports, metric definitions): it never blocks,
    // so a scheduler, progress output or a target served from this same process keep running.
    const mainHost: VuHost = {
      defineMetric: (name, type, contains) => this.defineMetric(name, type, contains, true),
      emit: (metric, value, tags, timeMs) => this.sink.add(metric, value, tags, timeMs),
      recordCheck: (groupPath, name, pass) => this.tree.addCheck(groupPath, name, pass ? 1 : 0, pass ? 0 : 1),
      recordGroup: (groupPath) => void this.tree.group(groupPath),
      log: (level, msg) => this.log(level, msg),
      abort: (reason) => opts.onAbort(reason),
      syncRequest: () => {
        throw new Error('HTTP requests cannot be made in the init context');
      },
      instance: () => opts.instance?.() ?? EMPTY_INSTANCE,
      testOptions: () => this.testOptions(),
    };
    this.main = new VuRuntime({ ...bundle, env: opts.env, idInInstance: 0, idInTest: 0, vuKey: 'main' }, mainHost);
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
    this.vusPerThread = Math.max(1, opts.vusPerThread ?? (mayBlock(bundle.code) ? 1 : 32));
    this.maxThreads = Math.max(1, opts.maxThreads ?? 64);
    const placement = opts.vuPlacement ?? 'auto';
    this.vusOnMain = placement === 'main' || (placement === 'auto' && opts.vusPerThread === undefined && !mayBlock(bundle.code));
  }

  /** The host of VUs living on this thread: samples go straight to the registry, checks to the tree. */
  private hostForMainVus(): VuHost {
    this.mainVuHost ??= {
      defineMetric: (name, type, contains) => this.defineMetric(name, type, contains, true),
      emit: (metric, value, tags, timeMs) => this.sink.add(metric, value, tags, timeMs),
      recordCheck: (groupPath, name, pass) => this.tree.addCheck(groupPath, name, pass ? 1 : 0, pass ? 0 : 1),
      recordGroup: (groupPath) => void this.tree.group(groupPath),
      log: (level, msg) => this.log(level, msg),
      abort: (reason) => this.opts.onAbort(reason),
      // Only reached when the text scan missed a blocking call (e.g. http['get']): it still works, through the
      // I/O thread, but holds this whole thread (every VU and the scheduler) for the call's duration.
      syncRequest: (vuKey, specs) => (this.mainBridge ??= this.io.connect()).request(vuKey, specs),
      instance: () => this.opts.instance?.() ?? EMPTY_INSTANCE,
      testOptions: () => this.testOptions(),
    };
    if (!this.rejectionGuard) {
      // A script's forgotten promise that rejects would otherwise end the whole process (in a worker it ends one
      // thread): log it like an iteration error instead, for as long as VUs run here.
      this.rejectionGuard = (reason) => this.log('error', `Uncaught (in promise) ${describeError(reason, this.bundle.scriptPath, this.bundle.lineMap)}`);
      process.on('unhandledRejection', this.rejectionGuard);
    }
    return this.mainVuHost;
  }

  private createMainVU(idInInstance: number, idInTest: number): VU {
    const id = this.nextVuId++;
    const vu = new VuRuntime({ ...this.bundle, env: this.opts.env, idInInstance, idInTest, vuKey: `main:${id}` }, this.hostForMainVus());
    this.mainVus.push(vu);
    return {
      idInInstance,
      idInTest,
      runIteration: async (ctx) => {
        const input: IterationInput = {
          scenario: { ...ctx.scenario }, iterationInScenario: ctx.iterationInScenario, tags: ctx.tags, env: ctx.env, exec: ctx.exec,
        };
        // One controller per iteration, linked through watchAbort: the scheduler's signal is shared by every VU
        // and would otherwise collect one listener per in-flight request.
        const ac = new AbortController();
        const unwatch = watchAbort(ctx.signal, () => ac.abort());
        if (ctx.signal.aborted) ac.abort();
        vu.setSetupData(this.setupJson);
        let outcome: IterationOutcome;
        try {
          outcome = await vu.runIteration(input, ac.signal);
        } finally {
          unwatch();
        }
        // An exception that ended the iteration is in `outcome.error`: the scheduler logs it (with k6's fields).
        // An iteration that never waits on I/O (e.g. only custom metrics) resolves in microtasks: the scheduler's
        // next call would follow at once, and timers (duration, thresholds, progress, stop) would never run.
        const now = performance.now();
        if (now - this.lastTurnMs > MAX_TURN_MS) {
          await nextTurn();
          this.lastTurnMs = performance.now();
        }
        return outcome;
      },
    };
  }

  testOptions(): Record<string, unknown> {
    return this.opts.testOptions?.() ?? this.options;
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

  /** Picks (synchronously, so concurrent createVU calls see each other) the thread for one more VU. */
  private slot(): { thread: Promise<VuThread>; vus: number } {
    const open = this.slots.filter((sl) => sl.vus < this.vusPerThread);
    let pick = open.sort((a, b) => a.vus - b.vus)[0];
    if (!pick && this.slots.length < this.maxThreads) {
      pick = { thread: this.spawnThread(), vus: 0 };
      this.slots.push(pick);
    }
    pick ??= this.slots.slice().sort((a, b) => a.vus - b.vus)[0]!;
    pick.vus++;
    return pick;
  }

  private async spawnThread(): Promise<VuThread> {
    const index = this.threadCount++;
    const { port, flag } = this.io.channel();
    const init: ThreadInit = {
      threadIndex: index,
      vu: { code: this.bundle.code, scriptPath: this.bundle.scriptPath, scriptDir: this.bundle.scriptDir, env: this.opts.env, lineMap: this.bundle.lineMap },
      testOptions: JSON.parse(JSON.stringify(this.testOptions())) as Record<string, unknown>,
      bridgePort: port,
      bridgeFlag: flag,
    };
    const worker = await startWorker('vu-worker.ts', init, [port]);
    return new VuThread(index, worker, this);
  }

  /** setup/teardown/handleSummary run on a thread of their own, so blocking calls there never block this one. */
  private async lifecycle(name: 'setup' | 'teardown' | 'handleSummary', arg: string | undefined): Promise<string | undefined> {
    this.lifecycleThread ??= this.spawnThread();
    const r = await (await this.lifecycleThread).call(name, arg);
    if (r.ok) return r.result;
    if (r.aborted) throw new TestAbortError(r.error);
    throw new ScriptError(`${name}() of ${this.bundle.scriptPath} threw: ${r.error}`);
  }

  async createVU(idInInstance: number, idInTest: number): Promise<VU> {
    if (this.closed) throw new Error('createVU: the program is closed');
    if (this.vusOnMain) return this.createMainVU(idInInstance, idInTest);
    const slot = this.slot();
    const id = this.nextVuId++;
    let t: VuThread;
    try {
      t = await slot.thread;
      await t.create(id, idInInstance, idInTest);
    } catch (err) {
      slot.vus--;
      throw err;
    }
    return {
      idInInstance,
      idInTest,
      runIteration: async (ctx) => {
        // An exception that ended the iteration is in `outcome.error`: the scheduler logs it (with k6's fields).
        return await t.run(id, ctx, this.opts.instance?.() ?? EMPTY_INSTANCE, this.setupJson);
      },
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
    const starts = this.slots.map((sl) => sl.thread);
    if (this.lifecycleThread) starts.push(this.lifecycleThread);
    const all = await Promise.allSettled(starts);
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    for (const vu of this.mainVus) vu.close();
    if (this.rejectionGuard) process.off('unhandledRejection', this.rejectionGuard);
    this.main.close();
    await this.io.close();
  }
}

export async function loadProgram(scriptPath: string, opts: LoadOptions): Promise<Program> {
  if (!fs.existsSync(scriptPath) || !fs.statSync(scriptPath).isFile()) {
    throw new ScriptError(`script ${scriptPath} not found (cwd ${process.cwd()}): pass the path of a k6 .js script`);
  }
  const bundle = await bundleScript(scriptPath);
  const io = await IoThread.start();
  try {
    return new ScriptProgram(bundle, opts, io);
  } catch (err) {
    await io.close();
    if (err instanceof ScriptError) throw err;
    throw new ScriptError(`cannot load ${scriptPath}: ${describeError(err, bundle.scriptPath, bundle.lineMap)}`, { cause: err });
  }
}

/** How many CPUs the runtime sees (for B3's sizing decisions and the README's numbers). */
export const CPU_COUNT = os.cpus().length;
