// One JavaScript realm per thread, shared by the VUs of that thread: a vm context with the script globals k6
// gives (console, timers, TextEncoder, URL …), and the lifted bundle compiled once as a module factory. Each VU
// evaluates the factory itself, so each VU has its own module state (top-level variables, the exports, its own
// k6 module objects, __VU/__ITER/__ENV), like k6 where every VU has its own runtime — without a context per VU
// (≈ 0.3 MiB each). What VUs of one thread share: the global object and the built-in prototypes.
import vm from 'node:vm';
import { ScriptError, UnsupportedApiError } from './errors.ts';
import { liftScript } from './lift.ts';
import { makeCallbackDispatch, run, Suspension } from './suspend.ts';

/** What one VU hands its factory call. */
export interface VuScope {
  /** The k6 modules of this VU (`require('k6/http')` in the bundle resolves here). */
  modules: Record<string, unknown>;
  ENV: Record<string, string>;
  VU: number;
  ITER: number;
  /** Throws the interruption: called by the loop check when the VU's stop cell is set. */
  halt(): never;
}

export type ModuleFactory = (module: { exports: Record<string, unknown> }, exports: Record<string, unknown>, scope: VuScope, stopCell: Int32Array, open: unknown) => void;

/** Lifts a bundle once (main thread); the code handed to every Realm. */
export function liftBundle(code: string, scriptPath: string): string {
  try {
    return liftScript(code).code;
  } catch (err) {
    throw new ScriptError(`script ${scriptPath} has a syntax error: ${(err as Error).message}`, { cause: err });
  }
}

export class Realm {
  readonly context: vm.Context;
  readonly factory: ModuleFactory;
  /** JSON.parse of this realm: parsed values are plain objects/arrays of the script's own realm. */
  readonly jsonParse: (text: string) => unknown;

  constructor(liftedCode: string, scriptPath: string, log: (level: string, ...args: unknown[]) => void) {
    const sandbox: Record<string, unknown> = {
      console: { log: log.bind(null, 'info'), info: log.bind(null, 'info'), warn: log.bind(null, 'warning'), error: log.bind(null, 'error'), debug: log.bind(null, 'debug') },
      setTimeout, clearTimeout, setInterval, clearInterval,
      TextEncoder, TextDecoder, URL, URLSearchParams,
      require: (name: string) => {
        throw new UnsupportedApiError(`require("${name}")`);
      },
    };
    this.context = vm.createContext(sandbox, { name: 's2s VUs' });
    const protos = vm.runInContext('({ array: Array.prototype, map: Map.prototype, set: Set.prototype })', this.context) as { array: object; map: object; set: object };
    const cb = makeCallbackDispatch({ array: [protos.array, Array.prototype], map: [protos.map, Map.prototype], set: [protos.set, Set.prototype] });
    this.jsonParse = vm.runInContext('JSON.parse', this.context) as (t: string) => unknown;
    let outer: (r: typeof run, S: typeof Suspension, c: typeof cb, al: typeof Atomics.load) => ModuleFactory;
    try {
      // One line of wrapper before the code: bundle line numbers (and so the source map) stay as they are.
      const script = new vm.Script(
        `(function (__s2s_r, __s2s_S, __s2s_cb, __s2s_al) { return function (module, exports, __s2s, __s2s_h, open) {${liftedCode}\n}; })`,
        { filename: scriptPath },
      );
      outer = script.runInContext(this.context) as typeof outer;
    } catch (err) {
      throw new ScriptError(`script ${scriptPath} has a syntax error: ${(err as Error).message}`, { cause: err });
    }
    this.factory = outer(run, Suspension, cb, Atomics.load);
  }
}
