// The `k6` module: check (Rate `checks` + the group tree), group (nested paths, group_duration), sleep, fail.
import { performance } from 'node:perf_hooks';
import { sleepSync } from './bridge.ts';
import { IterationFailError, IterationInterruptedError, UnsupportedApiError } from './errors.ts';
import type { VuState } from './vu-state.ts';

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

export function createK6Module(vu: VuState): Record<string, unknown> {
  const check = (value: unknown, sets: Record<string, unknown>, tags?: Record<string, unknown>): boolean => {
    if (vu.inInit) throw new Error('check() can only be called from a VU function, not the init context');
    if (typeof sets !== 'object' || sets === null) throw new TypeError('check(value, sets): sets must be an object of name → function');
    let all = true;
    const groupPath = vu.groupPath();
    for (const [name, fn] of Object.entries(sets)) {
      const pass = Boolean(typeof fn === 'function' ? (fn as (v: unknown) => unknown)(value) : fn);
      if (!pass) all = false;
      vu.host.recordCheck(groupPath, name, pass);
      vu.host.emit('checks', pass ? 1 : 0, vu.sampleTags({ ...(tags ?? {}), check: name }), nowMs());
    }
    return all;
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
    } finally {
      vu.groupStack.pop();
    }
    // Like k6, an async group body is timed to its settlement, but awaits inside it run outside the group.
    if (isThenable(result)) return Promise.resolve(result).finally(end);
    end();
    return result;
  };

  const sleep = (seconds: number): void => {
    const ms = Number(seconds) * 1000;
    if (!Number.isFinite(ms) || ms <= 0) return;
    if (vu.stopped() || !sleepSync(ms, vu.stopCell)) throw new IterationInterruptedError();
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
