// The fixture's reference.js driven through Program/VU directly (no scheduler): the metrics the runtime emits,
// their types, and the tag keys on every sample must match what real k6 v1.3.0 recorded in out.ndjson.gz.
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MetricRegistry } from '../../src/results/metrics.ts';
import { loadProgram, type IterationContext, type Program } from '../../src/engine/runtime/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.resolve(ROOT, 'test/fixtures/k6-v1.3.0');
/** Emitted by the scheduler (B3), not the runtime. */
const SCHEDULER_METRICS = new Set(['iterations', 'iteration_duration', 'vus', 'vus_max', 'dropped_iterations']);

type Shapes = Map<string, { type: string; contains: string; tagKeys: Set<string> }>;

async function fixtureShapes(): Promise<Shapes> {
  const shapes: Shapes = new Map();
  const rl = createInterface({ input: createReadStream(`${DIR}/pass/out.ndjson.gz`).pipe(createGunzip()) });
  for await (const line of rl) {
    const o = JSON.parse(line) as { type: string; metric: string; data: { type?: string; contains?: string; tags?: Record<string, string> } };
    if (SCHEDULER_METRICS.has(o.metric)) continue;
    if (o.type === 'Metric') shapes.set(o.metric, { type: o.data.type!, contains: o.data.contains!, tagKeys: new Set() });
    else shapes.get(o.metric)!.tagKeys.add(Object.keys(o.data.tags ?? {}).sort().join(','));
  }
  return shapes;
}

let pong: http.Server;
let base: string;
let program: Program;
const registry = new MetricRegistry();
const mine: Shapes = new Map();
registry.onSample((m, _v, tags) => {
  let s = mine.get(m.name);
  if (!s) mine.set(m.name, (s = { type: m.type, contains: m.contains, tagKeys: new Set() }));
  s.tagKeys.add(Object.keys(tags).sort().join(','));
});

beforeAll(async () => {
  // reference.js's pong.mjs, on port 0
  pong = http.createServer((q, s) => {
    const code = q.url?.includes('status=403') ? 403 : 200;
    s.writeHead(code, { 'content-type': 'application/json' });
    s.end(JSON.stringify({ ok: code === 200, inner_ms: 1.25 }));
  });
  await new Promise<void>((resolve) => pong.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(pong.address() as AddressInfo).port}`;
  program = await loadProgram(`${DIR}/reference.js`, { env: { BASE: base, P95: '500' }, registry, onAbort: () => {}, log: () => {} });
});
afterAll(async () => {
  await program?.close();
  await new Promise<void>((resolve) => { pong.closeAllConnections(); pong.close(() => resolve()); });
});

function ctx(scenario: string, i: number, signal: AbortSignal): IterationContext {
  return {
    scenario: { name: scenario, executor: scenario === 'probe' ? 'shared-iterations' : 'constant-arrival-rate', startTimeMs: Date.now(), iterationInInstance: i, iterationInTest: i, progress: 0 },
    iterationInScenario: i, tags: { kind: scenario }, env: {}, exec: scenario, signal,
  };
}

it('reference.js: same runtime metrics, types and tag keys as real k6; groups and checks as in the fixture', async () => {
  const stop = new AbortController();
  const probeVus = await Promise.all([1, 2].map((i) => program.createVU(i, i)));
  const loadVus = await Promise.all([3, 4, 5, 6].map((i) => program.createVU(i, i)));
  let next = 0;
  const probe = async (vu: (typeof probeVus)[number]) => {
    for (let i = next++; i < 20; i = next++) expect(await vu.runIteration(ctx('probe', i, stop.signal))).toEqual({ ok: true, interrupted: false });
  };
  let nextLoad = 0;
  const load = async (vu: (typeof loadVus)[number]) => {
    for (let i = nextLoad++; i < 100; i = nextLoad++) expect(await vu.runIteration(ctx('load', i, stop.signal))).toEqual({ ok: true, interrupted: false });
  };
  await Promise.all([...probeVus.map(probe), ...loadVus.map(load)]);

  const want = await fixtureShapes();
  expect([...mine.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [name, w] of want) {
    const m = mine.get(name)!;
    expect([name, m.type, m.contains]).toEqual([name, w.type, w.contains]);
    expect([name, [...m.tagKeys].sort()]).toEqual([name, [...w.tagKeys].sort()]);
  }

  const fixtureSummary = JSON.parse(readFileSync(`${DIR}/pass/handle-summary.json`, 'utf8')) as { root_group: unknown };
  const strip = (g: unknown): unknown => JSON.parse(JSON.stringify(g), (k, v: unknown) => (k === 'passes' || k === 'fails' ? 0 : v));
  expect(strip(program.rootGroup())).toEqual(strip(fixtureSummary.root_group));
  const tree = program.rootGroup();
  expect(tree.groups[0]!.checks[0]!.passes).toBe(20);
  expect(tree.checks[0]!.passes).toBe(100);

  // 20 probe requests + 2 × 100 load requests, 100 of them 403 (http_req_failed), as in the fixture's counts
  const reqs = registry.get('http_reqs')!.sink.aggregate('count', 1000);
  expect(reqs).toBe(220);
  expect(registry.get('http_req_failed')!.sink.toState()).toEqual({ kind: 'rate', passes: 100, total: 220 });
});
