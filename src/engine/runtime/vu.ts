// One VU: the lifted script's module factory evaluated for this VU in its thread's realm (per-VU module state,
// exports, k6 modules and __VU/__ITER/__ENV, like k6 where every VU has its own JS runtime), and the iteration the
// scheduler calls. A synchronous k6 call suspends the VU (see lift.ts), never its thread.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { IterationFailError, IterationInterruptedError, ScriptError, TestAbortError, UnsupportedApiError, redactTokens } from './errors.ts';
import type { VuHost } from './host.ts';
import { createK6Module } from './k6-core.ts';
import { createEncodingModule } from './k6-encoding.ts';
import { createExecutionModule } from './k6-execution.ts';
import { DEFAULT_EXPECTED, createHttpModule } from './k6-http.ts';
import { createMetricsModule } from './k6-metrics.ts';
import { scriptArrayBuffer } from './realm-bytes.ts';
import { VuState, type IterationInput } from './vu-state.ts';
import { mapStackLine, type LineMap } from './source-lines.ts';
import type { Realm, VuScope } from './realm.ts';
import { Suspension } from './suspend.ts';

export interface IterationOutcome { ok: boolean; error?: string; interrupted: boolean }

export interface VuSpec {
  code: string;
  scriptPath: string;
  scriptDir: string;
  env: Record<string, string>;
  idInInstance: number;
  idInTest: number;
  vuKey: string;
  lineMap?: LineMap | undefined;
}

/** Formats console arguments like k6 does: strings as they are, objects as JSON. */
export function formatArgs(args: unknown[]): string {
  return args.map((a) => {
    if (typeof a === 'string') return a;
    if (a instanceof Error || (typeof a === 'object' && a !== null && 'stack' in a && 'message' in a)) return String((a as Error).message);
    if (typeof a === 'object' && a !== null) {
      try {
        return JSON.stringify(a);
      } catch {
        return inspect(a);
      }
    }
    return String(a);
  }).join(' ');
}

/** "Error: boom at script.js:12:5" — the message plus where in the script it was thrown. */
export function describeError(err: unknown, scriptPath: string, lineMap?: LineMap): string {
  if (err instanceof UnsupportedApiError) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const e = err as Error;
    const where = (e.stack ?? '').split('\n').find((l) => l.includes(scriptPath));
    const loc = where ? ` ${mapStackLine(where.trim(), scriptPath, lineMap)}` : '';
    return redactTokens(`${e.name ?? 'Error'}: ${e.message}${loc}`);
  }
  return redactTokens(`Uncaught ${String(err)}`);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** The value of a script call: a Suspension or a promise is waited for. */
async function settled(r: unknown): Promise<unknown> {
  if (r instanceof Suspension) return r.promise;
  if (isThenable(r)) return r;
  return r;
}

export class VuRuntime {
  readonly state: VuState;
  readonly exports: Record<string, unknown>;
  private readonly scope: VuScope;
  private setupDataJson: string | undefined;
  private setupData: unknown;
  private envSource: Record<string, string> | undefined;

  /** Evaluates the init context; throws ScriptError when it fails. `stopCell` (Int32Array(1)) set to 1 = hard stop. */
  constructor(readonly spec: VuSpec, host: VuHost, private readonly realm: Realm, stopCell: Int32Array = new Int32Array(1)) {
    const state = new VuState(host, spec.idInInstance, spec.idInTest, spec.vuKey, spec.scriptDir, spec.env, DEFAULT_EXPECTED);
    this.state = state;
    state.stopCell = stopCell;
    state.jsonParse = realm.jsonParse;
    const fileCache = new Map<string, Buffer>();
    const open = (file: string, mode?: string): string | ArrayBuffer => {
      if (!state.inInit) throw new Error(`open("${file}") can only be called in the init context (outside of exported functions), like in k6`);
      const abs = path.resolve(spec.scriptDir, String(file));
      let buf = fileCache.get(abs);
      if (!buf) {
        try {
          buf = fs.readFileSync(abs);
        } catch (err) {
          throw new Error(`open("${file}"): cannot read ${abs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        fileCache.set(abs, buf);
      }
      if (mode === 'b') return scriptArrayBuffer(state.jsonParse, buf);
      return buf.toString('utf8');
    };
    // Each k6 module is built on first import: a VU pays only for what its script uses (thousands of VUs).
    const made: Record<string, unknown> = {};
    const lazy = (name: string, make: () => unknown) => ({ get: () => (made[name] ??= make()), enumerable: true });
    const modules = Object.defineProperties({} as Record<string, unknown>, {
      k6: lazy('k6', () => createK6Module(state)),
      'k6/http': lazy('k6/http', () => createHttpModule(state)),
      'k6/metrics': lazy('k6/metrics', () => createMetricsModule(state)),
      'k6/execution': lazy('k6/execution', () => createExecutionModule(state)),
      'k6/encoding': lazy('k6/encoding', () => createEncodingModule()),
    });
    const scope: VuScope = {
      modules,
      ENV: { ...spec.env },
      VU: spec.idInTest,
      ITER: 0,
      halt: () => {
        throw new IterationInterruptedError();
      },
    };
    this.scope = scope;
    const module = { exports: {} as Record<string, unknown> };
    try {
      realm.factory(module, module.exports, scope, stopCell, open);
    } catch (err) {
      if (err instanceof ScriptError) throw err;
      throw new ScriptError(`the init context of ${spec.scriptPath} threw: ${describeError(err, spec.scriptPath, spec.lineMap)}`, { cause: err });
    }
    this.exports = module.exports;
    state.inInit = false;
  }

  /** Setup data for the exported functions, as JSON (each VU gets its own copy, like k6). */
  setSetupData(json: string | undefined): void {
    if (json === this.setupDataJson) return;
    this.setupDataJson = json;
    this.setupData = json === undefined ? undefined : this.state.jsonParse(json);
  }

  async runIteration(input: IterationInput, signal: AbortSignal | undefined): Promise<IterationOutcome> {
    const st = this.state;
    st.current = input;
    st.phaseTags = null;
    st.invalidateTags();
    st.signal = signal;
    st.iterationInInstance++;
    const n = st.iterPerScenario.get(input.scenario.name) ?? 0;
    st.iterPerScenario.set(input.scenario.name, n + 1);
    st.iter = n;
    this.scope.ITER = n;
    st.dataSent = 0;
    st.dataReceived = 0;
    st.groupStack.length = 0;
    if (input.env !== this.envSource) {
      this.envSource = input.env;
      this.scope.ENV = { ...this.spec.env, ...input.env };
    }
    const fn = this.exports[input.exec];
    let outcome: IterationOutcome;
    if (typeof fn !== 'function') {
      outcome = { ok: false, interrupted: false, error: `function "${input.exec}" is not exported by ${this.spec.scriptPath}` };
    } else {
      outcome = await this.invoke(fn as (data: unknown) => unknown, this.setupData, signal);
    }
    const tags = { ...st.baseTags(), group: '' };
    const t = performance.timeOrigin + performance.now();
    st.host.emit('data_sent', st.dataSent, tags, t);
    st.host.emit('data_received', st.dataReceived, tags, t);
    st.groupStack.length = 0;
    if (st.httpDefaults().noVUConnectionReuse) st.closeConnections();
    return outcome;
  }

  private async invoke(fn: (...a: unknown[]) => unknown, arg: unknown, signal: AbortSignal | undefined): Promise<IterationOutcome> {
    try {
      await settled(fn(arg));
      return { ok: true, interrupted: this.state.stopped() };
    } catch (err) {
      if (err instanceof TestAbortError) return { ok: false, interrupted: true, error: `test aborted: ${err.message}` };
      if (signal?.aborted || this.state.stopped()) return { ok: false, interrupted: true, error: 'iteration interrupted: the test is stopping' };
      if (err instanceof IterationFailError) return { ok: false, interrupted: false, error: redactTokens(err.message) };
      return { ok: false, interrupted: false, error: describeError(err, this.spec.scriptPath, this.spec.lineMap) };
    }
  }

  /**
   * Runs setup/teardown/handleSummary: setup and teardown run in k6's implicit groups "::setup"/"::teardown".
   * Returns the function's (awaited) result; rethrows its exception.
   */
  async callLifecycle(name: 'setup' | 'teardown' | 'handleSummary', arg: unknown): Promise<unknown> {
    const fn = this.exports[name];
    if (typeof fn !== 'function') return undefined;
    const st = this.state;
    st.current = null;
    st.phaseTags = {};
    st.invalidateTags();
    st.groupStack.length = 0;
    st.dataSent = 0;
    st.dataReceived = 0;
    // k6's implicit group: samples carry group "::setup", but the group joins the tree only if used by checks.
    if (name !== 'handleSummary') st.groupStack.push(name);
    try {
      return await settled((fn as (a: unknown) => unknown)(arg));
    } finally {
      if (name !== 'handleSummary') {
        const t = performance.timeOrigin + performance.now();
        const tags = { group: st.groupPath() };
        st.host.emit('data_sent', st.dataSent, tags, t);
        st.host.emit('data_received', st.dataReceived, tags, t);
      }
      st.groupStack.length = 0;
    }
  }

  close(): void {
    this.state.close();
  }
}
