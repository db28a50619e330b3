// The `k6` module: check (Rate `checks` + the group tree), group (nested paths, group_duration), sleep, fail.
// sleep and a check or group whose callback waits return a Suspension (see lift.ts): the VU waits, its thread
// does not.
import { performance } from 'node:perf_hooks';
import { IterationFailError, IterationInterruptedError, UnsupportedApiError } from './errors.ts';
import { run, Suspension } from './suspend.ts';
import type { VuState } from './vu-state.ts';

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

export function createK6Module(vu: VuState): Record<string, unknown> {
  const record = (groupPath: string, name: string, pass: boolean, tags: Record<string, unknown> | undefined): void => {
    vu.host.recordCheck(groupPath, name, pass);
    vu.host.emit('checks', pass ? 1 : 0, vu.sampleTags({ ...(tags ?? {}), check: name }), nowMs());
  };
  function* checkAll(value: unknown, sets: Record<string, unknown>, tags: Record<string, unknown> | undefined): Generator<unknown, boolean, unknown> {
    let all = true;
    const groupPath = vu.groupPath();
    for (const [name, fn] of Object.entries(sets)) {
      let r = typeof fn === 'function' ? (fn as (v: unknown) => unknown)(value) : fn;
      if (r instanceof Suspension) r = yield r;
      const pass = Boolean(r);
      if (!pass) all = false;
      record(groupPath, name, pass, tags);
    }
    return all;
  }
  const check = (value: unknown, sets: Record<string, unknown>, tags?: Record<string, unknown>): unknown => {
    if (vu.inInit) throw new Error('check() can only be called from a VU function, not the init context');
    if (typeof sets !== 'object' || sets === null) throw new TypeError('check(value, sets): sets must be an object of name → function');
    return run(checkAll(value, sets, tags));
  };

  const group = (name: string, fn: () => unknown): unknown => {
    if (vu.inInit) throw new Error('group() can only be called from a VU function, not the init context');
    if (typeof name !== 'string' || name === '' || name.includes('::')) {
      throw new Error(`group name ${JSON.stringify(name)} is invalid: it must be a non-empty string without "::"`);
    }
    if (typeof fn !== 'function') throw new TypeError(`group("${name}", fn): fn must be a function`);
    vu.groupStack.push(name);
    const path = vu.groupPath();
    vu.host.recordGroup(path);
    const tags = vu.sampleTags();
    const t0 = performance.now();
    const end = (): void => {
      vu.host.emit('group_duration', performance.now() - t0, tags, nowMs());
    };
    let result: unknown;
    try {
      result = fn();
    } catch (err) {
      vu.groupStack.pop();
      throw err;
    }
    // A synchronous body that waits (a Suspension) is still inside the group until it returns, as in k6.
    if (result instanceof Suspension) {
      return new Suspension(result.promise.then(
        (v) => { vu.groupStack.pop(); end(); return v; },
        (err: unknown) => { vu.groupStack.pop(); throw err; },
      ));
    }
    vu.groupStack.pop();
    // Like k6, an async group body is timed to its settlement, but awaits inside it run outside the group.
    if (isThenable(result)) return Promise.resolve(result).finally(end);
    end();
    return result;
  };

  const sleep = (seconds: number): Suspension<void> | undefined => {
    const ms = Number(seconds) * 1000;
    if (!Number.isFinite(ms) || ms <= 0) return undefined;
    if (vu.stopped()) throw new IterationInterruptedError();
    return new Suspension(vu.wait(ms));
  };

  const fail = (msg?: string): never => {
    throw new IterationFailError(msg ?? '');
  };

  const randomSeed = (): never => {
    throw new UnsupportedApiError('k6 randomSeed()');
  };

  const mod = { check, group, sleep, fail, randomSeed };
  return { ...mod, default: mod };
}
