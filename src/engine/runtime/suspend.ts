// The run-time half of the sync→suspendable transform (lift.ts): the Suspension a waiting native returns, the
// driver of lifted functions (synchronous until the first Suspension, then continued on its settlement), and the
// Suspension-aware replacements of the Array/Map/Set methods that call back into script code.

/** What a native (http.get, sleep …) returns instead of blocking: the caller yields it and resumes with its value. */
export class Suspension<T = unknown> {
  constructor(readonly promise: Promise<T>) {}
  /** A Suspension that leaks into an async function or Promise.resolve still behaves as its eventual value. */
  then<A = T, B = never>(onOk?: ((v: T) => A | PromiseLike<A>) | null, onErr?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.promise.then(onOk, onErr);
  }
}

type Step = IteratorResult<unknown, unknown>;

async function drive(gen: Generator<unknown, unknown, unknown>, first: Suspension): Promise<unknown> {
  let s = first;
  for (;;) {
    let ok = true;
    let v: unknown;
    try {
      v = await s.promise;
    } catch (err) {
      ok = false;
      v = err;
    }
    const r: Step = ok ? gen.next(v) : gen.throw(v);
    if (r.done) return r.value;
    s = r.value as Suspension;
  }
}

/** Runs a lifted function's generator: its value when it finishes without waiting, else a Suspension of it. */
export function run(gen: Generator<unknown, unknown, unknown>): unknown {
  const r = gen.next();
  if (r.done) return r.value;
  return new Suspension(drive(gen, r.value as Suspension));
}

/** `yield`s a value only when it is a Suspension (the transform's call-site rule, for hand-written generators). */
function* settle(v: unknown): Generator<unknown, unknown, unknown> {
  return v instanceof Suspension ? yield v : v;
}

type Fn = (...a: unknown[]) => unknown;

function* eachIndex(arr: ArrayLike<unknown>, fn: Fn, thisArg: unknown, onResult: (r: unknown, i: number) => boolean | void): Generator<unknown, void, unknown> {
  const len = arr.length;
  for (let i = 0; i < len; i++) {
    if (!(i in arr)) continue;
    const r = yield* settle(fn.call(thisArg, arr[i], i, arr));
    if (onResult(r, i) === true) return;
  }
}

function callable(fn: unknown, method: string): Fn {
  if (typeof fn !== 'function') throw new TypeError(`Array.prototype.${method}: ${String(fn)} is not a function`);
  return fn as Fn;
}

/** Stable merge sort whose comparator may suspend (undefined last, as Array.prototype.sort). */
function* sortG(arr: unknown[], cmp: Fn): Generator<unknown, unknown[], unknown> {
  const defined: unknown[] = arr.filter((x) => x !== undefined);
  const undef = arr.length - defined.length;
  let a = defined;
  for (let width = 1; width < a.length; width *= 2) {
    const out: unknown[] = [];
    for (let lo = 0; lo < a.length; lo += 2 * width) {
      const mid = Math.min(lo + width, a.length);
      const hi = Math.min(lo + 2 * width, a.length);
      let i = lo;
      let j = mid;
      while (i < mid && j < hi) {
        const c = Number(yield* settle(cmp(a[j], a[i])));
        if (c < 0) out.push(a[j++]);
        else out.push(a[i++]);
      }
      while (i < mid) out.push(a[i++]);
      while (j < hi) out.push(a[j++]);
    }
    a = out;
  }
  for (let k = 0; k < a.length; k++) arr[k] = a[k];
  for (let k = 0; k < undef; k++) arr[a.length + k] = undefined;
  return arr;
}

const ARRAY_METHODS: Record<string, (arr: unknown[], ...a: unknown[]) => Generator<unknown, unknown, unknown>> = {
  *map(arr, fn, thisArg) {
    const out = new Array<unknown>(arr.length);
    yield* eachIndex(arr, callable(fn, 'map'), thisArg, (r, i) => { out[i] = r; });
    return out;
  },
  *forEach(arr, fn, thisArg) {
    yield* eachIndex(arr, callable(fn, 'forEach'), thisArg, () => undefined);
    return undefined;
  },
  *filter(arr, fn, thisArg) {
    const out: unknown[] = [];
    yield* eachIndex(arr, callable(fn, 'filter'), thisArg, (r, i) => { if (r) out.push(arr[i]); });
    return out;
  },
  *flatMap(arr, fn, thisArg) {
    const out: unknown[] = [];
    yield* eachIndex(arr, callable(fn, 'flatMap'), thisArg, (r) => { if (Array.isArray(r)) out.push(...(r as unknown[])); else out.push(r); });
    return out;
  },
  *some(arr, fn, thisArg) {
    let found = false;
    yield* eachIndex(arr, callable(fn, 'some'), thisArg, (r) => (found = Boolean(r)));
    return found;
  },
  *every(arr, fn, thisArg) {
    let all = true;
    yield* eachIndex(arr, callable(fn, 'every'), thisArg, (r) => { if (!r) { all = false; return true; } return false; });
    return all;
  },
  *find(arr, fn, thisArg) {
    const f = callable(fn, 'find');
    for (let i = 0; i < arr.length; i++) if (yield* settle(f.call(thisArg, arr[i], i, arr))) return arr[i];
    return undefined;
  },
  *findIndex(arr, fn, thisArg) {
    const f = callable(fn, 'findIndex');
    for (let i = 0; i < arr.length; i++) if (yield* settle(f.call(thisArg, arr[i], i, arr))) return i;
    return -1;
  },
  *findLast(arr, fn, thisArg) {
    const f = callable(fn, 'findLast');
    for (let i = arr.length - 1; i >= 0; i--) if (yield* settle(f.call(thisArg, arr[i], i, arr))) return arr[i];
    return undefined;
  },
  *findLastIndex(arr, fn, thisArg) {
    const f = callable(fn, 'findLastIndex');
    for (let i = arr.length - 1; i >= 0; i--) if (yield* settle(f.call(thisArg, arr[i], i, arr))) return i;
    return -1;
  },
  *reduce(arr, ...a) {
    const f = callable(a[0], 'reduce');
    let i = 0;
    let acc: unknown;
    if (a.length >= 2) acc = a[1];
    else {
      while (i < arr.length && !(i in arr)) i++;
      if (i >= arr.length) throw new TypeError('Reduce of empty array with no initial value');
      acc = arr[i++];
    }
    for (; i < arr.length; i++) if (i in arr) acc = yield* settle(f(acc, arr[i], i, arr));
    return acc;
  },
  *reduceRight(arr, ...a) {
    const f = callable(a[0], 'reduceRight');
    let i = arr.length - 1;
    let acc: unknown;
    if (a.length >= 2) acc = a[1];
    else {
      while (i >= 0 && !(i in arr)) i--;
      if (i < 0) throw new TypeError('Reduce of empty array with no initial value');
      acc = arr[i--];
    }
    for (; i >= 0; i--) if (i in arr) acc = yield* settle(f(acc, arr[i], i, arr));
    return acc;
  },
  *sort(arr, cmp) {
    if (cmp === undefined) return arr.sort();
    return yield* sortG(arr, callable(cmp, 'sort'));
  },
};

function* mapSetForEach(coll: Map<unknown, unknown> | Set<unknown>, fn: Fn, thisArg: unknown): Generator<unknown, void, unknown> {
  for (const [k, v] of coll.entries()) yield* settle(fn.call(thisArg, v, k, coll));
}

/**
 * The dispatch behind `__s2s_cb(obj, "map", …)`: a real array (of any realm whose prototype method is the
 * built-in one) gets the Suspension-aware version, so do Map/Set forEach; anything else calls its own method.
 */
export function makeCallbackDispatch(realmProtos: { array: object[]; map: object[]; set: object[] }): (obj: unknown, name: string, ...args: unknown[]) => unknown {
  const builtin = new Map<string, Set<unknown>>();
  for (const name of Object.keys(ARRAY_METHODS)) {
    builtin.set(name, new Set(realmProtos.array.map((p) => (p as Record<string, unknown>)[name])));
  }
  const forEachMap = new Set(realmProtos.map.map((p) => (p as Record<string, unknown>)['forEach']));
  const forEachSet = new Set(realmProtos.set.map((p) => (p as Record<string, unknown>)['forEach']));
  return (obj, name, ...args) => {
    if (obj !== null && obj !== undefined) {
      const own = (obj as Record<string, unknown>)[name];
      if (Array.isArray(obj) && builtin.get(name)?.has(own)) return run(ARRAY_METHODS[name]!(obj, ...args));
      if (name === 'forEach' && (forEachMap.has(own) || forEachSet.has(own))) {
        return run(mapSetForEach(obj as Map<unknown, unknown>, callable(args[0], 'forEach'), args[1]));
      }
      if (typeof own !== 'function') throw new TypeError(`${describe(obj)}.${name} is not a function`);
      return (own as Fn).apply(obj, args);
    }
    throw new TypeError(`Cannot read properties of ${String(obj)} (reading '${name}')`);
  };
}

function describe(v: unknown): string {
  if (typeof v === 'object') return Object.prototype.toString.call(v).slice(8, -1);
  return typeof v;
}
