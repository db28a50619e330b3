// `s2s run` end to end against the recorded real k6 v1.3.0 outputs: the reference script's
// handleSummary data, --summary-export and --out json must have the fixture's structure and verdicts;
// exit codes 0/99/104/105/107/108/255 as k6.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNdjson, type NdjsonLine } from '../../src/results/ndjson.ts';
import { FIXTURES, REFERENCE_JS, runCli, startCli, startPong, writeScript } from './harness.ts';

type Json = Record<string, unknown>;
interface SummaryMetric {
  type: string;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
interface Summary {
  metrics: Record<string, SummaryMetric>;
  root_group: Json;
  options: Json;
  state: Json;
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

/** k6 only lists dropped_iterations when arrival-rate starts were dropped; a loaded machine may drop some. */
const OPTIONAL_KEYS = new Set(['dropped_iterations']);
const metricKeys = (s: Summary) => Object.keys(s.metrics).filter((k) => !OPTIONAL_KEYS.has(k)).sort();
const valueKeysByType = (s: Summary) => {
  const out: Record<string, string[]> = {};
  for (const m of Object.values(s.metrics)) out[m.type] = Object.keys(m.values).sort();
  return out;
};
const verdicts = (s: Summary) => {
  const out: Record<string, Record<string, boolean>> = {};
  for (const [key, m] of Object.entries(s.metrics)) {
    if (m.thresholds) out[key] = Object.fromEntries(Object.entries(m.thresholds).map(([e, v]) => [e, v.ok]));
  }
  return out;
};

/**
 * The reference script's one wall-clock threshold, http_req_duration{kind:load} p(99)<1000, can honestly
 * fail when the shared 2-core machine is saturated (load averages of 30+ were seen). Every other verdict
 * is deterministic (pong answers inner_ms 1.25 and 403s on purpose) and must equal the fixture's; this
 * one may flip only together with k6's stderr line naming exactly that metric.
 */
function wallClockCrossed(stderr: string): boolean {
  const crossed = /level=error msg="thresholds on metrics '([^']*)' have been crossed"/.exec(stderr);
  if (!crossed) return false;
  expect(crossed[1]).toBe('http_req_duration{kind:load}');
  return true;
}

function expectedVerdicts(fixture: Summary, loadCrossed: boolean): Record<string, Record<string, boolean>> {
  const out = verdicts(fixture);
  if (loadCrossed) out['http_req_duration{kind:load}'] = { 'p(99)<1000': false };
  return out;
}

async function lineShapes(file: string): Promise<Record<string, string[]>> {
  const shapes = new Map<string, Set<string>>();
  const add = (kind: string, keys: string[]) => {
    const set = shapes.get(kind) ?? new Set<string>();
    set.add(keys.sort().join(','));
    shapes.set(kind, set);
  };
  for await (const line of readNdjson(file) as AsyncIterable<NdjsonLine & Json>) {
    add(`${line.type}`, Object.keys(line));
    add(`${line.type}.data`, Object.keys(line.data as Json));
  }
  return Object.fromEntries([...shapes].map(([k, v]) => [k, [...v].sort()]));
}

let pong: Awaited<ReturnType<typeof startPong>>;
beforeAll(async () => {
  pong = await startPong();
});
afterAll(async () => {
  await pong.close();
});

describe('reference.js against the fixture', { timeout: 180_000 }, () => {
  it('passes with the fixture structure: summary keys, value keys, verdicts, --summary-export, --out json lines', async () => {
    const { dir } = await writeScript('unused.js', '');
    const out = path.join(dir, 'out.ndjson.gz');
    const exported = path.join(dir, 'summary-export.json');
    const r = await runCli([REFERENCE_JS, '-e', `BASE=${pong.base}`, '-e', `OUT_DIR=${dir}`, '-e', 'P95=500', '--summary-export', exported, '--out', `json=${out}`]);
    const loadCrossed = wallClockCrossed(r.stderr);
    expect(r.code).toBe(loadCrossed ? 99 : 0);

    const ours = await readJson<Summary>(path.join(dir, 'handle-summary.json'));
    const theirs = await readJson<Summary>(path.join(FIXTURES, 'pass/handle-summary.json'));
    expect(metricKeys(ours)).toEqual(metricKeys(theirs));
    expect(valueKeysByType(ours)).toEqual(valueKeysByType(theirs));
    expect(verdicts(ours)).toEqual(expectedVerdicts(theirs, loadCrossed));
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    expect(ours.metrics.iterations?.values.count).toBeGreaterThanOrEqual(20);
    expect(ours.metrics.vus_max?.values.value).toBeGreaterThanOrEqual(6);

    const exportOurs = await readJson<{ metrics: Record<string, Json> }>(exported);
    const exportTheirs = await readJson<{ metrics: Record<string, Json> }>(path.join(FIXTURES, 'pass/summary-export.json'));
    expect(Object.keys(exportOurs.metrics).filter((k) => !OPTIONAL_KEYS.has(k)).sort()).toEqual(Object.keys(exportTheirs.metrics).sort());

    const shapesOurs = await lineShapes(out);
    const shapesTheirs = await lineShapes(path.join(FIXTURES, 'pass/out.ndjson.gz'));
    expect(shapesOurs).toEqual(shapesTheirs);

    // Banner and progress as k6 lays them out (the engine's own name instead of the logo).
    expect(r.stdout).toContain('s2s embedded engine (k6-compatible)');
    expect(r.stdout).toContain('* probe: 20 iterations shared among 2 VUs (maxDuration: 10m0s, exec: probe, gracefulStop: 30s)');
    expect(r.stdout).toMatch(/probe ✓ \[ 100% \] 2 VUs +\d\dm\d\d\.\ds\/10m0s +20\/20 shared iters/);
    expect(r.stdout).toMatch(/gracefulStop: 30s\)\n\n\nrunning \(/);
  });

  it('exits 99 with k6’s stderr line when a threshold is crossed (-e P95=0.001)', async () => {
    const { dir } = await writeScript('unused.js', '');
    const r = await runCli([REFERENCE_JS, '-e', `BASE=${pong.base}`, '-e', `OUT_DIR=${dir}`, '-e', 'P95=0.001']);
    expect(r.code).toBe(99);
    const loadCrossed = /level=error msg="thresholds on metrics 'http_req_duration\{kind:load\}, /.test(r.stderr);
    const metrics = loadCrossed ? "http_req_duration\\{kind:load\\}, s2s_latency_ms\\{target:pong-sec\\}" : 's2s_latency_ms\\{target:pong-sec\\}';
    expect(r.stderr).toMatch(new RegExp(`^time="\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ" level=error msg="thresholds on metrics '${metrics}' have been crossed"$`, 'm'));
    const ours = await readJson<Summary>(path.join(dir, 'handle-summary.json'));
    const theirs = await readJson<Summary>(path.join(FIXTURES, 'fail/handle-summary.json'));
    expect(verdicts(ours)).toEqual(expectedVerdicts(theirs, loadCrossed));
  });
});

describe('exit codes', { timeout: 120_000 }, () => {
  it('104 for an invalid threshold expression, naming it', async () => {
    const { script } = await writeScript('bad-threshold.js', `export const options = { thresholds: { http_reqs: ['count>>1'] } };\nexport default function () {}\n`);
    const r = await runCli([script, '-q']);
    expect(r.code).toBe(104);
    expect(r.stderr).toContain('count>>1');
  });

  it('255 for an unknown flag, naming it (k6 v1.3.0 exits 255 on a command-line error)', async () => {
    const r = await runCli([REFERENCE_JS, '--linger']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/level=error msg="unknown flag: --linger/);
  });

  it('104 for an output the engine does not support', async () => {
    const r = await runCli([REFERENCE_JS, '--out', 'influxdb=http://127.0.0.1:1/k6']);
    expect(r.code).toBe(104);
    expect(r.stderr).toContain('use real k6 for \\"influxdb\\"');
  });

  it('104 for an invalid scenario option', async () => {
    const { script } = await writeScript('bad-scenario.js', `export const options = { scenarios: { s: { executor: 'constant-vus', vus: 1, duration: 'soon' } } };\nexport default function () {}\n`);
    const r = await runCli([script, '-q']);
    expect(r.code).toBe(104);
    expect(r.stderr).toContain('scenarios.s.duration');
    expect(r.stderr).toContain('soon');
  });

  it('104 for an invalid S2S_VU_THREADS, naming it', async () => {
    const { script } = await writeScript('threads.js', `export default function () {}\n`);
    const r = await runCli([script, '-q'], { S2S_VU_THREADS: 'many' });
    expect(r.code).toBe(104);
    expect(r.stderr).toContain('S2S_VU_THREADS=many');
  });

  it('a promise the script forgets to handle is logged, and the run goes on', async () => {
    const { script } = await writeScript('lost-promise.js', `export const options = { iterations: 3 };
export default async function () { Promise.reject(new Error('lost promise')); await new Promise((r) => setTimeout(r, 1)); }
`);
    const r = await runCli([script, '-q', '--no-summary']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Uncaught (in promise)');
    expect(r.stderr).toContain('lost promise');
  });

  it('107 for an exception in the init context', async () => {
    const { script } = await writeScript('init-throws.js', `throw new Error('init went wrong');\nexport default function () {}\n`);
    const r = await runCli([script, '-q']);
    expect(r.code).toBe(107);
    expect(r.stderr).toContain('init went wrong');
  });

  it('108 for test.abort(), with teardown and the summary still run', async () => {
    const { script, dir } = await writeScript(
      'aborts.js',
      `import exec from 'k6/execution';
export const options = { iterations: 5 };
export default function () { if (exec.scenario.iterationInTest === 2) exec.test.abort('enough'); }
export function teardown() { console.log('teardown ran'); }
export function handleSummary(data) { return { [__ENV.OUT_DIR + '/summary.json']: JSON.stringify(data) }; }
`,
    );
    const r = await runCli([script, '-q', '-e', `OUT_DIR=${dir}`]);
    expect(r.code).toBe(108);
    expect(r.stderr).toContain('enough');
    expect(r.stderr).toContain('teardown ran');
    const summary = await readJson<Summary>(path.join(dir, 'summary.json'));
    expect(summary.metrics.iterations?.values.count).toBeLessThan(5);
  });

  it('99 when an abortOnFail threshold is crossed during the run (k6 v1.3.0: thresholds crossed, not 108)', async () => {
    const { script } = await writeScript(
      'abort-on-fail.js',
      `import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
const bad = new Counter('bad_things');
export const options = { vus: 1, duration: '5m', thresholds: { bad_things: [{ threshold: 'count<1', abortOnFail: true }] } };
export default function () { bad.add(1); sleep(0.05); }
`,
    );
    const r = await runCli([script, '-q', '--no-summary']);
    expect(r.code).toBe(99);
    expect(r.stderr).toContain("thresholds on metrics 'bad_things' were crossed; at least one has abortOnFail enabled");
  });

  it('105 on SIGINT mid-run, with the summary still written', async () => {
    const { script, dir } = await writeScript(
      'long.js',
      `import { sleep } from 'k6';
export const options = { vus: 1, duration: '5m' };
export default function () { sleep(0.05); }
export function handleSummary(data) { return { [__ENV.OUT_DIR + '/summary.json']: JSON.stringify(data) }; }
`,
    );
    const run = startCli([script, '-e', `OUT_DIR=${dir}`]);
    await run.waitFor('running (');
    run.kill('SIGINT');
    const r = await run.result;
    expect(r.code).toBe(105);
    const summary = await readJson<Summary>(path.join(dir, 'summary.json'));
    expect(summary.metrics.iterations?.values.count).toBeGreaterThan(0);
  });

  it('an http.batch of 30 requests prints no Node warning on stderr (one abort listener per request in flight)', async () => {
    const { script } = await writeScript('batch30.js', `import http from 'k6/http';\nexport const options = { iterations: 2 };\nexport default function () {\n  const rs = http.batch(Array.from({ length: 30 }, (_, i) => __ENV.BASE + '/pong?i=' + i));\n  if (rs.some((r) => r.status !== 200)) throw new Error('a batch request failed');\n}\n`);
    const r = await runCli([script, '-q', '--no-summary', '-e', `BASE=${pong.base}`]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/Warning|memory leak/);
  });

  it('prints the text summary without handleSummary, and nothing with --no-summary', async () => {
    const { script } = await writeScript('plain.js', `import { check } from 'k6';\nexport const options = { iterations: 3, thresholds: { checks: ['rate==1'] } };\nexport default function () { check(1, { 'one is one': (x) => x === 1 }); }\n`);
    const r = await runCli([script, '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('THRESHOLDS');
    expect(r.stdout).toContain('TOTAL RESULTS');
    const quiet = await runCli([script, '-q', '--no-summary']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toContain('TOTAL RESULTS');
  });
});
