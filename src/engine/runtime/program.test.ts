// The Program/VU contract without a scheduler: loading (bundling, unsupported imports, init errors), the k6,
// k6/metrics, k6/execution and k6/encoding modules, per-VU isolation, open(), lifecycle functions and stopping.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptError, TestAbortError } from './errors.ts';
import { loadProgram } from './program.ts';
import { MetricRegistry } from '../../results/metrics.ts';
import { cleanScripts, harness, startServer, writeScript, type TestServer } from './test-support.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  cleanScripts();
});

const load = (file: string) => loadProgram(file, { env: {}, registry: new MetricRegistry(), onAbort: () => {}, log: () => {} });

describe('loading', () => {
  it.each([
    ['k6/ws', `import ws from 'k6/ws';`],
    ['k6/browser', `import { browser } from 'k6/browser';`],
    ['k6/x/sql', `import sql from 'k6/x/sql';`],
    ['k6/net/grpc', `import grpc from 'k6/net/grpc';`],
    ['https://jslib.k6.io/k6-utils/1.4.0/index.js', `import { uuidv4 } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js';`],
    ['fs', `import fs from 'fs';`],
    ['node:path', `import path from 'node:path';`],
    ['lodash', `import _ from 'lodash';`],
  ])('import %s fails before the run, naming it and suggesting real k6', async (spec, line) => {
    const file = writeScript(`imp-${Math.random().toString(36).slice(2)}.js`, `${line}\nexport default function () {}`);
    const err = await load(file).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptError);
    expect((err as Error).message).toContain(`"${spec}"`);
    expect((err as Error).message).toContain('real k6');
  });

  it('bundles relative imports and reports options and exports', async () => {
    writeScript('lib/helper.js', `export const answer = () => 42;`);
    const file = writeScript('main-ok.js', `
      import { answer } from './lib/helper.js';
      export const options = { vus: 2, thresholds: { checks: ['rate>0.9'] } };
      export function setup() { return { a: answer() }; }
      export function other() {}
      export default function () {}
      export function handleSummary() { return {}; }`);
    const p = await load(file);
    try {
      expect(p.options).toEqual({ vus: 2, thresholds: { checks: ['rate>0.9'] } });
      expect(p.exports).toMatchObject({ default: true, setup: true, teardown: false, handleSummary: true });
      expect(p.exports.functions.sort()).toEqual(['default', 'handleSummary', 'other', 'setup']);
      expect(await p.runSetup()).toEqual({ a: 42 });
    } finally {
      await p.close();
    }
  });

  it.each([
    ['a syntax error', `export default function ( {`, /main-bad-0\.js:1/],
    ['an exception in the init context', `throw new Error('init boom');\nexport default function () {}`, /init boom/],
    ['open() of a missing file', `const x = open('./missing.txt');\nexport default function () {}`, /missing\.txt/],
    ['an invalid metric name', `import { Trend } from 'k6/metrics'; new Trend('bad name!');\nexport default function () {}`, /bad name!/],
  ])('%s is a ScriptError naming the cause', async (_n, source, pattern) => {
    const idx = ['a syntax error', 'an exception in the init context', 'open() of a missing file', 'an invalid metric name'].indexOf(_n);
    const file = writeScript(`main-bad-${idx}.js`, source);
    const err = await load(file).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptError);
    expect((err as Error).message).toMatch(pattern);
  });

  it('a missing script is a ScriptError naming the path', async () => {
    await expect(load('/nonexistent/script.js')).rejects.toThrow(/\/nonexistent\/script\.js not found/);
  });
});

describe('k6: checks and groups', () => {
  it('builds the group tree with k6 paths and md5 ids, and tags checks and group_duration', async () => {
    const file = writeScript('groups.js', `
      import { check, group } from 'k6';
      export default function () {
        const all = check(1, { 'is one': (v) => v === 1, 'is two': (v) => v === 2 }, { extra: 'x' });
        console.log(JSON.stringify(all));
        group('outer', () => {
          check(true, { 'inside': (v) => v });
          group('inner', () => { check(0, { 'deep': (v) => v === 0 }); });
        });
        const r = group('value', () => 5);
        console.log(JSON.stringify(r));
      }`);
    const h = await harness(file);
    try {
      expect((await h.iterate()).ok).toBe(true);
      expect((await h.iterate()).ok).toBe(true);
      expect(h.logs.map((l) => l.msg)).toEqual(['false', '5', 'false', '5']);
      const tree = h.program.rootGroup();
      expect(tree).toMatchObject({ name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e' });
      expect(tree.checks.map((c) => [c.path, c.passes, c.fails])).toEqual([['::is one', 2, 0], ['::is two', 0, 2]]);
      const outer = tree.groups.find((g) => g.name === 'outer')!;
      expect(outer).toMatchObject({ path: '::outer', id: createHash('md5').update('::outer').digest('hex') });
      expect(outer.checks[0]).toMatchObject({ name: 'inside', path: '::outer::inside', passes: 2, fails: 0 });
      expect(outer.groups[0]).toMatchObject({ name: 'inner', path: '::outer::inner' });
      expect(outer.groups[0]!.checks[0]).toMatchObject({ path: '::outer::inner::deep', passes: 2 });
      expect(tree.groups.map((g) => g.name)).toEqual(['outer', 'value']);
      // ids are md5(path): the fixture's "::probe" id pins the scheme
      const checks = h.of('checks');
      expect(checks).toHaveLength(8);
      expect(checks[0]!.tags).toMatchObject({ check: 'is one', group: '', extra: 'x', scenario: 'default' });
      expect(checks.find((s) => s.tags['check'] === 'deep')!.tags['group']).toBe('::outer::inner');
      const gd = h.of('group_duration').map((s) => s.tags['group']);
      expect(gd.slice(0, 3)).toEqual(['::outer::inner', '::outer', '::value']);
    } finally {
      await h.close();
    }
  });

  it('group ids are md5 of the path, as in the k6 fixture', async () => {
    const file = writeScript('probe-group.js', `import { check, group } from 'k6';
      export default function () { group('probe', () => { check(1, { 'status is 200': () => true }); }); }`);
    const h = await harness(file);
    try {
      await h.iterate();
      const g = h.program.rootGroup().groups[0]!;
      expect(g.id).toBe('3691ec23c125b7780414db2ab22c253e');
      expect(g.checks[0]!.id).toBe('d7371ec3106ce2a86bb00d52ff243c5f');
    } finally {
      await h.close();
    }
  });

  it('fail() ends the iteration with its message; other exceptions name the script location', async () => {
    const file = writeScript('fail.js', `import { fail } from 'k6';
      export function f() { fail('custom reason'); }
      export function t() { null.x; }`);
    const h = await harness(file);
    try {
      expect(await h.iterate('f')).toEqual({ ok: false, interrupted: false, error: 'custom reason' });
      const r = await h.iterate('t');
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/TypeError: .*fail\.js:3/);
      expect(await h.iterate('nope')).toMatchObject({ ok: false, error: expect.stringContaining('"nope" is not exported') });
    } finally {
      await h.close();
    }
  });
});

describe('k6/metrics', () => {
  it('defines each custom metric type and adds with iteration, group and call tags', async () => {
    const file = writeScript('custom.js', `
      import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
      import { group } from 'k6';
      const c = new Counter('my_counter'); const g = new Gauge('my_gauge'); const r = new Rate('my_rate');
      const t = new Trend('my_trend'); const tt = new Trend('my_time', true);
      export default function () {
        c.add(2, { k: 'v' }); g.add(7); r.add(true); r.add(0); t.add(3); group('g', () => tt.add(4.5));
      }`);
    const h = await harness(file, {});
    try {
      await h.iterate('default', { scenario: 'sc', tags: { kind: 'probe' } });
      const def = (n: string) => h.registry.get(n)!;
      expect([def('my_counter').type, def('my_counter').contains]).toEqual(['counter', 'default']);
      expect([def('my_gauge').type, def('my_rate').type, def('my_trend').type]).toEqual(['gauge', 'rate', 'trend']);
      expect(def('my_trend').contains).toBe('default');
      expect(def('my_time').contains).toBe('time');
      expect(h.of('my_counter')[0]).toMatchObject({ value: 2, tags: { k: 'v', kind: 'probe', scenario: 'sc', group: '' } });
      expect(h.of('my_rate').map((s) => s.value)).toEqual([1, 0]);
      expect(h.of('my_time')[0]!.tags['group']).toBe('::g');
    } finally {
      await h.close();
    }
  });

  it('a conflicting redefinition fails at load', async () => {
    const file = writeScript('conflict.js', `import { Trend, Counter } from 'k6/metrics'; new Trend('dup'); new Counter('dup'); export default function () {}`);
    await expect(load(file)).rejects.toThrow(/dup/);
  });
});

describe('per-VU state and globals', () => {
  it('each VU has its own module state, __VU, __ITER and __ENV', async () => {
    const data = writeScript('data.txt', 'hello file');
    const file = writeScript('state.js', `
      let count = 0;
      const text = open('./data.txt');
      const bin = open('./data.txt', 'b');
      export default function () {
        count++;
        console.log(JSON.stringify({ vu: __VU, iter: __ITER, count, env: __ENV.X, text, binLen: bin.byteLength }));
      }
      export function late() { open('./data.txt'); }`);
    expect(data).toContain('data.txt');
    const h = await harness(file, { env: { X: 'from-env' } });
    try {
      const a = await h.program.createVU(1, 11);
      const b = await h.program.createVU(2, 12);
      await h.iterate('default', { vu: a });
      await h.iterate('default', { vu: a });
      await h.iterate('default', { vu: b, env: { X: 'scenario-env' } });
      const lines = h.logs.map((l) => JSON.parse(l.msg) as Record<string, unknown>);
      expect(lines).toEqual([
        { vu: 11, iter: 0, count: 1, env: 'from-env', text: 'hello file', binLen: 10 },
        { vu: 11, iter: 1, count: 2, env: 'from-env', text: 'hello file', binLen: 10 },
        { vu: 12, iter: 0, count: 1, env: 'scenario-env', text: 'hello file', binLen: 10 },
      ]);
      const r = await h.iterate('late', { vu: a });
      expect(r.ok).toBe(false);
      expect(r.error).toContain('init context');
    } finally {
      await h.close();
    }
  });

  it('VUs sharing a thread are still isolated', async () => {
    const file = writeScript('shared-thread.js', `let n = 0; export default async function () { n++; console.log(String(n) + ':' + __VU); }`);
    const h = await harness(file, { threads: 1 });
    try {
      const vus = await Promise.all([1, 2, 3].map((i) => h.program.createVU(i, i)));
      for (const vu of vus) await h.iterate('default', { vu });
      await h.iterate('default', { vu: vus[0] });
      expect(h.logs.map((l) => l.msg)).toEqual(['1:1', '1:2', '1:3', '2:1']);
    } finally {
      await h.close();
    }
  });
});

describe('k6/execution', () => {
  it('exposes vu, scenario, instance and test.options', async () => {
    const file = writeScript('exec.js', `
      import exec from 'k6/execution';
      export const options = { tags: { t: 1 } };
      export default function () {
        exec.vu.tags.custom = 'yes';
        console.log(JSON.stringify({
          vu: [exec.vu.idInInstance, exec.vu.idInTest, exec.vu.iterationInInstance, exec.vu.iterationInScenario],
          sc: [exec.scenario.name, exec.scenario.executor, exec.scenario.iterationInTest, typeof exec.scenario.startTime],
          inst: [exec.instance.vusActive, exec.instance.iterationsCompleted],
          opts: exec.test.options, tag: exec.vu.tags.custom, scTag: exec.vu.tags.scenario,
        }));
      }`);
    const h = await harness(file, {
      instance: () => ({ vusActive: 3, vusInitialized: 4, iterationsCompleted: 9, iterationsInterrupted: 0, currentTestRunDurationMs: 1 }),
      testOptions: () => ({ resolved: true }),
    });
    try {
      const vu = await h.program.createVU(5, 6);
      await h.iterate('default', { vu, scenario: 'probe' });
      await h.iterate('default', { vu, scenario: 'probe' });
      const [first, second] = h.logs.map((l) => JSON.parse(l.msg) as Record<string, unknown>);
      expect(first).toEqual({
        vu: [5, 6, 0, 0], sc: ['probe', 'per-vu-iterations', 0, 'number'], inst: [3, 9], opts: { resolved: true }, tag: 'yes', scTag: 'probe',
      });
      expect((second!['vu'] as number[])[2]).toBe(1);
      expect(h.of('data_sent').at(-1)!.tags['custom']).toBe('yes');
    } finally {
      await h.close();
    }
  });

  it('test.abort() calls onAbort with the reason and interrupts the iteration', async () => {
    const file = writeScript('abort.js', `import exec from 'k6/execution';
      export default function () { exec.test.abort('enough'); console.log('not reached'); }
      export function setup() { exec.test.abort('in setup'); }`);
    const h = await harness(file);
    try {
      const r = await h.iterate();
      expect(r).toMatchObject({ ok: false, interrupted: true });
      expect(r.error).toContain('enough');
      expect(h.aborts).toEqual(['enough']);
      expect(h.logs).toEqual([]);
      await expect(h.program.runSetup()).rejects.toBeInstanceOf(TestAbortError);
      expect(h.aborts).toEqual(['enough', 'in setup']);
    } finally {
      await h.close();
    }
  });
});

describe('k6/encoding', () => {
  it.each([
    ['std', 'aGk/Pz4+', 'hi??>>'],
    ['rawstd', 'aGk/Pz4+', 'hi??>>'],
    ['url', 'aGk_Pz4-', 'hi??>>'],
    ['rawurl', 'aGk_Pz4-', 'hi??>>'],
    ['std', 'aGk=', 'hi'],
    ['rawstd', 'aGk', 'hi'],
    ['url', 'aGk=', 'hi'],
    ['rawurl', 'aGk', 'hi'],
  ])('%s: %s ⇄ %s', async (enc, encoded, plain) => {
    const file = writeScript(`enc-${enc}-${encoded.replace(/[^a-z]/gi, '')}.js`, `import encoding from 'k6/encoding';
      export default function () {
        const e = encoding.b64encode(${JSON.stringify(plain)}, '${enc}');
        const d = encoding.b64decode(e, '${enc}', 's');
        const bytes = new Uint8Array(encoding.b64decode(e, '${enc}')).length;
        console.log(JSON.stringify([e, d, bytes]));
      }`);
    const h = await harness(file);
    try {
      await h.iterate();
      expect(JSON.parse(h.logs[0]!.msg)).toEqual([encoded, plain, plain.length]);
    } finally {
      await h.close();
    }
  });
});

describe('lifecycle and stopping', () => {
  it('setup data reaches every VU as a copy; teardown and handleSummary get theirs', async () => {
    const file = writeScript('life.js', `
      import http from 'k6/http';
      import { check } from 'k6';
      export function setup() { const r = http.get(__ENV.BASE + '/json'); check(r, { 'setup ok': (x) => x.status === 200 }); return { n: r.json('list.#') }; }
      export default function (data) { data.n++; console.log('vu ' + data.n); }
      export function teardown(data) { console.log('teardown ' + data.n); }
      export function handleSummary(d) { return { stdout: 'sum ' + d.metrics.x, 'out.json': JSON.stringify(d) }; }`);
    const h = await harness(file, { env: { BASE: server.url } });
    try {
      const data = await h.program.runSetup();
      expect(data).toEqual({ n: 3 });
      const a = await h.program.createVU(1, 1);
      const b = await h.program.createVU(2, 2);
      await h.iterate('default', { vu: a });
      await h.iterate('default', { vu: a });
      await h.iterate('default', { vu: b });
      await h.program.runTeardown(data);
      expect(h.logs.map((l) => l.msg)).toEqual(['vu 4', 'vu 5', 'vu 4', 'teardown 3']);
      expect(h.of('http_reqs')[0]!.tags['group']).toBe('::setup');
      expect(h.program.rootGroup().groups[0]).toMatchObject({ name: 'setup', path: '::setup', checks: [{ name: 'setup ok', passes: 1 }] });
      const out = await h.program.runHandleSummary({ metrics: { x: 1 } });
      expect(out).toEqual({ stdout: 'sum 1', 'out.json': '{"metrics":{"x":1}}' });
    } finally {
      await h.close();
    }
  });

  it('handleSummary is null when not exported', async () => {
    const p = await load(writeScript('nosum.js', 'export default function () {}'));
    try {
      expect(await p.runHandleSummary({})).toBeNull();
    } finally {
      await p.close();
    }
  });

  it('the hard-stop signal interrupts an in-flight async request', async () => {
    const file = writeScript('stop.js', `import http from 'k6/http';
      export default async function () { await http.asyncRequest('GET', __ENV.BASE + '/delay?ms=20000'); }`);
    const h = await harness(file, { env: { BASE: server.url } });
    try {
      const vu = await h.program.createVU(1, 1);
      const ac = new AbortController();
      const hitsBefore = server.hits();
      const running = h.iterate('default', { vu, signal: ac.signal });
      // wait until the request reached the server, then stop
      await new Promise<void>((resolve) => { const t = setInterval(() => { if (server.hits() > hitsBefore) { clearInterval(t); resolve(); } }, 10); });
      ac.abort();
      const r = await running;
      expect(r.interrupted).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('the hard-stop signal wakes a VU blocked in sleep()', async () => {
    const file = writeScript('stop-sleep.js', `import { sleep } from 'k6';
      export default function () { console.log('sleeping'); sleep(600); console.log('not reached'); }`);
    const h = await harness(file);
    try {
      const vu = await h.program.createVU(1, 1);
      const ac = new AbortController();
      const running = h.iterate('default', { vu, signal: ac.signal });
      await new Promise<void>((resolve) => { const t = setInterval(() => { if (h.logs.length > 0) { clearInterval(t); resolve(); } }, 10); });
      ac.abort();
      // Without the stop this would sleep 600 s and the test would time out.
      expect(await running).toMatchObject({ ok: false, interrupted: true });
      expect(h.logs.map((l) => l.msg)).toEqual(['sleeping']);
      // the VU is usable again afterwards
      const next = h.iterate('default', { vu, signal: AbortSignal.abort() });
      expect(await next).toMatchObject({ interrupted: true });
    } finally {
      await h.close();
    }
  });

  it.each([
    ['sync http.get', `http.get(__ENV.BASE + '/barrier?n=4')`],
    ['async', `await http.asyncRequest('GET', __ENV.BASE + '/barrier?n=4')`],
  ])('VUs block independently: 4 VUs meet at a server barrier (%s), after a sleep', async (name, call) => {
    const file = writeScript(`barrier-${name.replace(/\W/g, '')}.js`, `import http from 'k6/http'; import { sleep, check } from 'k6';
      export default async function () { sleep(0.05); const r = ${call}; check(r, { together: (x) => x.status === 200 }); }`);
    const h = await harness(file, { env: { BASE: server.url } });
    try {
      const vus = await Promise.all([1, 2, 3, 4].map((i) => h.program.createVU(i, i)));
      const results = await Promise.all(vus.map((vu) => h.iterate('default', { vu })));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(h.of('checks').map((s) => s.value)).toEqual([1, 1, 1, 1]);
    } finally {
      await h.close();
    }
  });
});

describe('VU threads', () => {
  it('VUs loop by themselves: iterations numbered from the shared counter, capped by its limit, then a soft stop ends an open loop', async () => {
    const file = writeScript('loop.js', `import exec from 'k6/execution'; import { sleep } from 'k6';
      export default function () { console.log(String(exec.scenario.iterationInTest)); sleep(0.001); }`);
    const h = await harness(file, { threads: 2 });
    try {
      const vus = await Promise.all([1, 2].map((i) => h.program.createVU(i, i)));
      const spec = (counter: SharedArrayBuffer, soft: AbortSignal, done: Array<{ ok: boolean; ms: number }>) => ({
        base: { scenario: { name: 'loop', executor: 'shared-iterations', startTimeMs: Date.now() }, tags: { scenario: 'loop' }, env: {}, exec: 'default' },
        counter, maxIterations: Infinity, soft, hard: new AbortController().signal, durationMs: 0, totalIterations: 5, firstInScenario: 0,
        onIteration: (r: { ok: boolean }, ms: number) => done.push({ ok: r.ok, ms }),
      });
      const limited = new SharedArrayBuffer(8);
      new Int32Array(limited)[1] = 5;
      const done: Array<{ ok: boolean; ms: number }> = [];
      await Promise.all(vus.map((vu) => vu.runLoop(spec(limited, new AbortController().signal, done))));
      expect(done).toHaveLength(5);
      expect(done.every((d) => d.ok && d.ms > 0)).toBe(true);
      expect(h.logs.map((l) => Number(l.msg)).sort()).toEqual([0, 1, 2, 3, 4]);
      // No limit: runs until the soft stop; the iteration in flight finishes and counts.
      const open = new SharedArrayBuffer(8);
      new Int32Array(open)[1] = -1;
      const soft = new AbortController();
      const more: Array<{ ok: boolean; ms: number }> = [];
      const looping = vus[0]!.runLoop(spec(open, soft.signal, more));
      await new Promise<void>((resolve) => { const t = setInterval(() => { if (more.length >= 3) { clearInterval(t); resolve(); } }, 5); });
      soft.abort();
      await looping;
      expect(more.length).toBeGreaterThanOrEqual(3);
      expect(more.every((d) => d.ok)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('VUs are spread over the threads; samples and tags are the same on one thread or two', async () => {
    const file = writeScript('threads-spread.js', `import http from 'k6/http';
      export default function () { http.get(__ENV.BASE + '/status?code=204'); console.log(String(__VU)); }`);
    const one = await harness(file, { env: { BASE: server.url }, threads: 1 });
    const two = await harness(file, { env: { BASE: server.url }, threads: 2 });
    try {
      for (const h of [one, two]) {
        const vus = await Promise.all([1, 2, 3, 4].map((i) => h.program.createVU(i, i)));
        const results = await Promise.all(vus.map((vu) => h.iterate('default', { vu })));
        expect(results.every((r) => r.ok)).toBe(true);
        expect(h.logs.map((l) => l.msg).sort()).toEqual(['1', '2', '3', '4']);
      }
      const tagsOf = (h: typeof one) => h.of('http_req_duration').map((x) => ({ ...x.tags })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      expect(tagsOf(one)).toEqual(tagsOf(two));
      expect(tagsOf(one)[0]).toMatchObject({ status: '204', scenario: 'default', method: 'GET' });
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('a hard stop reaches a VU in a busy loop (the loop check reads its stop cell)', async () => {
    const file = writeScript('busy.js', `import { sleep } from 'k6';
      export default function () { console.log('spinning'); sleep(0.01); let n = 0; for (;;) { n++; } }`);
    const h = await harness(file, { threads: 1 });
    try {
      const vu = await h.program.createVU(1, 1);
      const ac = new AbortController();
      const running = h.iterate('default', { vu, signal: ac.signal });
      await new Promise<void>((resolve) => { const t = setInterval(() => { if (h.logs.length > 0) { clearInterval(t); resolve(); } }, 10); });
      ac.abort();
      expect(await running).toMatchObject({ ok: false, interrupted: true });
      // The thread is free again: the same VU runs the next iteration (stopped at once by its aborted signal).
      expect(await h.iterate('default', { vu, signal: AbortSignal.abort() })).toMatchObject({ interrupted: true });
    } finally {
      await h.close();
    }
  });

  it('sync calls inside callbacks given to Array methods, check and group wait in order', async () => {
    const file = writeScript('callbacks.js', `import http from 'k6/http'; import { check, group, sleep } from 'k6';
      export default function () {
        const codes = [201, 202, 203].map((c) => http.get(__ENV.BASE + '/status?code=' + c).status);
        const sorted = [3, 1, 2].sort((a, b) => { sleep(0.001); return a - b; });
        const ok = check(codes, { 'all 2xx': (cs) => cs.every((c) => http.get(__ENV.BASE + '/status?code=' + c).status === c) });
        group('g', () => { http.get(__ENV.BASE + '/status?code=204'); });
        console.log(JSON.stringify({ codes, sorted, ok }));
      }`);
    const h = await harness(file, { env: { BASE: server.url } });
    try {
      expect(await h.iterate()).toMatchObject({ ok: true });
      expect(JSON.parse(h.logs[0]!.msg)).toEqual({ codes: [201, 202, 203], sorted: [1, 2, 3], ok: true });
      expect(h.of('http_reqs').map((s) => s.tags['group'])).toEqual(['', '', '', '', '', '', '::g']);
      expect(h.of('group_duration').map((s) => s.tags['group'])).toEqual(['::g']);
    } finally {
      await h.close();
    }
  });

  it('Promise.all over asyncRequest stays concurrent in an async function (real promises are not awaited one by one)', async () => {
    const file = writeScript('concurrent.js', `import http from 'k6/http';
      export default async function () {
        const rs = await Promise.all([1, 2, 3].map(() => http.asyncRequest('GET', __ENV.BASE + '/barrier?n=3')));
        console.log(rs.map((r) => r.status).join(','));
      }`);
    const h = await harness(file, { env: { BASE: server.url } });
    try {
      expect(await h.iterate()).toMatchObject({ ok: true });
      expect(h.logs.map((l) => l.msg)).toEqual(['200,200,200']);
    } finally {
      await h.close();
    }
  });
});
