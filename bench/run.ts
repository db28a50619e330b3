// `npm run bench [-- --quick | --smoke]`: measures the tool against the limit and against peers, side by
// side in one run on one pong — fidelity, ping's overhead vs wrk, engine throughput vs wrk/autocannon (and
// k6 when present), memory flatness, time to first result — and writes BENCHMARKS.md (full) or
// results/bench/quick.md (--quick). Absolute times drift on shared machines: the verdicts use ratios.
// Everything it writes besides the table lives in one temp folder, removed at the end, on failure and on
// Ctrl-C/SIGTERM too; its processes are supervised, so none outlives it.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlagError, parseFlags, valueError } from '../src/flags/flags.ts';
import type { PingResult } from '../src/contract/ping.ts';
import { stopAll } from '../src/process/supervised.ts';
import { peakRssMiB, startPing, startPong, timeCommand, type Service } from './procs.ts';
import { ensureWrk, findK6, runAutocannon, runWrk, type LoadResult } from './tools.ts';
import { gateSection } from './gate.ts';
import { engineRows, loadScenarioRows } from './engine.ts';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);

type ProfileName = 'smoke' | 'quick' | 'full';
interface Profile {
  name: ProfileName;
  runs: number;
  /** Length of each load row (s). */
  loadSec: number;
  pingCount: number;
  fidelityCount: number;
  /** Delays injected for the fidelity rows (ms). */
  fidelityDelaysMs: number[];
  /** Length of each wrk cross-check in the fidelity rows (s). */
  fidelityWrkSec: number;
  /** Iterations of the memory script: a short run, a long one, and a longer one that shows whether RSS keeps growing. */
  memIters: [number, number, number];
  pingMemCounts: [number, number];
  fixedRate: number;
  /** Inner calls of the time-to-first-result scenario run. */
  scenarioCount: number;
  /** Iterations of each dashboard on/off memory run. */
  dashboardIters: number;
  /** Triples of real local runs for the gate section (baseline, 2 ms slower, same build). */
  gatePairs: number;
}
const PROFILES: Record<ProfileName, Profile> = {
  // Every row once at the smallest size: proves the bench runs end to end (the test suite uses it). Its
  // numbers mean nothing.
  smoke: { name: 'smoke', runs: 1, loadSec: 1, pingCount: 200, fidelityCount: 20, fidelityDelaysMs: [1], fidelityWrkSec: 1, memIters: [1e3, 1e4, 3e4], pingMemCounts: [100, 1000], fixedRate: 100, scenarioCount: 20, dashboardIters: 1e3, gatePairs: 1 },
  quick: { name: 'quick', runs: 1, loadSec: 3, pingCount: 2000, fidelityCount: 100, fidelityDelaysMs: [1, 5, 20], fidelityWrkSec: 2, memIters: [1e4, 1e5, 3e5], pingMemCounts: [1e3, 1e4], fixedRate: 500, scenarioCount: 200, dashboardIters: 1e5, gatePairs: 3 },
  full: { name: 'full', runs: 3, loadSec: 5, pingCount: 20000, fidelityCount: 400, fidelityDelaysMs: [1, 5, 20], fidelityWrkSec: 2, memIters: [1e4, 1e6, 3e6], pingMemCounts: [1e3, 1e5], fixedRate: 1000, scenarioCount: 1000, dashboardIters: 1e5, gatePairs: 20 },
};

/** One row of the table: median of runs, min–max, an optional ratio and target verdict, the command. */
export interface Row {
  section: string;
  what: string;
  unit: string;
  values: number[];
  /** "value" of a ratio row, or null. */
  target?: { text: string; ok: boolean } | null;
  command: string;
  note?: string;
  skipped?: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
export const fmt = (v: number, unit: string): string => (unit === 'exit' ? `exit ${v}` : unit === 'ms' ? (Math.abs(v) < 1 ? `${(v * 1000).toFixed(1)} µs` : `${v.toFixed(3)} ms`) : unit === 'x' ? `${v.toFixed(2)}×` : unit === '%' ? `${v.toFixed(2)}%` : `${+v.toFixed(1)} ${unit}`);
/** The value as the table shows it (fmt's rounding): a verdict judges what the reader sees, so "1.30×" meets "≤ 1.30×". */
export const shown = (v: number, unit: string): number => (unit === 'ms' ? (Math.abs(v) < 1 ? Math.round(v * 1e4) / 1e4 : Math.round(v * 1e3) / 1e3) : unit === 'x' || unit === '%' ? Math.round(v * 100) / 100 : Math.round(v * 10) / 10);
/** median(values) as shown, against a bar. */
const judged = (values: number[], unit: string, ok: (v: number) => boolean): boolean => ok(shown(median(values), unit));

async function pingBatch(ping: Service, query: string): Promise<PingResult> {
  const r = await fetch(`${ping.url}/ping?${query}`);
  if (!r.ok) throw new Error(`ping ${query}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as PingResult;
}

/** Direct calls to pong, reading its own Server-Timing hold time: the truth of an injected delay. */
async function holdTimes(pongUrl: string, delayMs: number, n: number): Promise<{ p50: number; p99: number }> {
  const holds: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${pongUrl}/pong?delay_ms=${delayMs}`);
    await r.arrayBuffer();
    const m = /hold;dur=([\d.]+)/.exec(r.headers.get('server-timing') ?? '');
    if (!m) throw new Error('pong sent no Server-Timing hold;dur header');
    holds.push(Number(m[1]));
  }
  holds.sort((a, b) => a - b);
  return { p50: holds[Math.floor(n * 0.5)]!, p99: holds[Math.min(n - 1, Math.floor(n * 0.99))]! };
}

async function engineRun(work: string, script: string, env: Record<string, string>, k6Path: string | null = null, timeoutMs = 900_000, processEnv: Record<string, string> = {}): Promise<{ summary: any; wallMs: number; peakRssMiB: number | null; code: number | null; stderr: string }> {
  const dir = await mkdtemp(path.join(work, 'engine-'));
  const file = path.join(dir, 'script.js');
  const exportFile = path.join(dir, 'summary.json');
  await writeFile(file, script);
  // The same flags for both engines: that is the point of k6-compatible flags.
  const args = [...(k6Path ? [k6Path] : [process.execPath, path.join(ROOT, 'bin/s2s.mjs')]), 'run', '-q', '--no-summary', '--summary-export', exportFile, '--summary-trend-stats', 'avg,med,p(99)'];
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  args.push(file);
  const r = await timeCommand(args, { cwd: ROOT, timeoutMs, env: { ...process.env, ...processEnv } });
  let summary: any = null;
  try {
    summary = JSON.parse(await readFile(exportFile, 'utf8'));
  } catch {
    /* reported by the caller */
  }
  await rm(dir, { recursive: true, force: true });
  return { summary, wallMs: r.wallMs, peakRssMiB: r.peakRssMiB, code: r.code, stderr: r.stderr };
}

const RATE_SCRIPT = (rate: number, sec: number) => `import http from 'k6/http';
export const options = { scenarios: { fixed: { executor: 'constant-arrival-rate', rate: ${rate}, timeUnit: '1s', duration: '${sec}s', preAllocatedVUs: 32, maxVUs: 256 } } };
export default async function () { await http.asyncRequest('GET', __ENV.URL); }
`;
const MEMORY_SCRIPT = (iterations: number) => `import { Trend, Counter } from 'k6/metrics';
const t = new Trend('bench_value_ms', true);
const c = new Counter('bench_iterations');
export const options = { scenarios: { flat: { executor: 'shared-iterations', vus: 4, iterations: ${iterations}, maxDuration: '30m' } } };
export default function () { t.add(Math.random() * 10); c.add(1); }
`;

/** The dashboard's cost: a scenario-like stream (a time Trend, a Rate and a Counter per source → target, thresholds on them). */
const DASHBOARD_SCRIPT = (iterations: number) => `import { Trend, Rate, Counter } from 'k6/metrics';
const latency = new Trend('s2s_latency_ms', true);
const errors = new Rate('s2s_errors');
const calls = new Counter('s2s_calls');
const PAIRS = ['pong-sec', 'pong-unsec', 'external'].map((target) => ({ source: 'bench', target }));
export const options = {
  scenarios: { flat: { executor: 'shared-iterations', vus: 4, iterations: ${iterations}, maxDuration: '30m' } },
  thresholds: { 's2s_latency_ms{target:pong-sec}': ['p(95)<100'], s2s_errors: ['rate<0.01'] },
};
export default function () { const tags = PAIRS[__ITER % 3]; latency.add(Math.random() * 10, tags); errors.add(false, tags); calls.add(1, tags); }
`;

/**
 * The dashboard's memory cost: the live dashboard on (server listening, 1 s periods, export and
 * timeseries.json written at the end) against off, at 10^5 iterations (smoke: 10^3) of a scenario-like script.
 */
async function dashboardMemoryRows(profile: Profile, work: string, log: (s: string) => void): Promise<Row[]> {
  log('dashboard memory');
  const iterations = profile.dashboardIters;
  const off: number[] = [];
  const on: number[] = [];
  const wallOff: number[] = [];
  const wallOn: number[] = [];
  for (let r = 0; r < Math.min(profile.runs, 3); r++) {
    const dir = await mkdtemp(path.join(work, 'dashboard-'));
    const env = { K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_PORT: '0', K6_WEB_DASHBOARD_PERIOD: '1s', K6_WEB_DASHBOARD_EXPORT: path.join(dir, 'dashboard.html'), S2S_DASHBOARD_SERIES: path.join(dir, 'timeseries.json') };
    try {
      for (const [processEnv, rss, wall] of [[{}, off, wallOff], [env, on, wallOn]] as const) {
        const run = await engineRun(work, DASHBOARD_SCRIPT(iterations), {}, null, 900_000, processEnv);
        if (run.peakRssMiB === null || run.code !== 0) throw new Error(`dashboard memory run failed: ${run.stderr.slice(-500)}`);
        rss.push(run.peakRssMiB);
        wall.push(run.wallMs);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const ratio = on.map((v, i) => v / off[i]!);
  const n = iterations.toExponential(0);
  return [
    { section: 'Memory', what: `engine peak RSS, dashboard off, ${n} iterations`, unit: 'MiB', values: off, command: `s2s run (shared-iterations, 4 VUs, Trend + Rate + Counter per source → target, 2 thresholds)` },
    { section: 'Memory', what: `engine peak RSS, dashboard on, ${n} iterations`, unit: 'MiB', values: on, command: 'same script, K6_WEB_DASHBOARD=true, port 0, period 1s, export + timeseries.json' },
    { section: 'Memory', what: 'ratio RSS dashboard on / off', unit: 'x', values: ratio, target: { text: '≤ 1.10×', ok: judged(ratio, 'x', (v) => v <= 1.1) }, command: 'side by side' },
    { section: 'Memory', what: `wall time, dashboard off, ${n} iterations`, unit: 'ms', values: wallOff, target: null, command: 'same runs' },
    { section: 'Memory', what: `wall time, dashboard on, ${n} iterations`, unit: 'ms', values: wallOn, target: null, command: 'same runs' },
  ];
}

const USAGE = `Usage: npm run bench [-- --quick | --smoke] [--only dashboard|gate|engine] [--out FILE]
  (full)   3 runs per row (memory: 1), written to BENCHMARKS.md (and BENCHMARKS.json)
  --quick  one short run of each row (about a minute), written to results/bench/quick.md
  --smoke  every row once at the smallest size, to check the bench runs (the test suite uses it); its
           numbers mean nothing; written to results/bench/smoke.md
  --only dashboard  only the dashboard memory rows (3 runs), written to results/bench/dashboard.md
  --only gate       only the gate section (20 same-build and 20 2-ms pairs of real local runs; 3 with --quick),
                    written to results/bench/gate.md
  --only engine     only the engine rows (bench/engine.ts: tight loops, 1000/5000 VUs, the load scenario),
                    written to results/bench/engine.md; with K6_BIN (or k6 on PATH) real k6 runs beside them
  --out F  write the table to F (and the raw values to F with .json)
  -h, --help  this text`;

export interface BenchFlags {
  help: boolean;
  profile: ProfileName;
  /** Run one section alone. */
  only: 'dashboard' | 'gate' | 'engine' | undefined;
  out: string | undefined;
}

/** Parses and checks the flags; throws FlagError (one line). */
export function parseBenchFlags(argv: readonly string[]): BenchFlags {
  const { values } = parseFlags(argv, { quick: { type: 'boolean' }, smoke: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.quick && values.smoke) throw new FlagError('--quick and --smoke exclude each other: choose one profile');
  if (values.only !== undefined && values.only !== 'dashboard' && values.only !== 'gate' && values.only !== 'engine') throw valueError('only', values.only, 'the sections that run alone are "dashboard", "gate" and "engine"');
  return { help: values.help ?? false, profile: values.smoke ? 'smoke' : values.quick ? 'quick' : 'full', only: values.only as BenchFlags['only'], out: values.out };
}

async function main(): Promise<number> {
  const flags = parseBenchFlags(process.argv.slice(2));
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const profile = PROFILES[flags.profile];
  const out = flags.out ?? (flags.only ? path.join(ROOT, `results/bench/${flags.only}.md`) : profile.name === 'full' ? path.join(ROOT, 'BENCHMARKS.md') : path.join(ROOT, `results/bench/${profile.name}.md`));
  const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
  const work = await mkdtemp(path.join(os.tmpdir(), 's2s-bench-'));
  // Ctrl-C / SIGTERM: stop every child (SIGTERM, so a scenario run stops its own engine and platform; SIGKILL
  // after a grace), remove the temp folder, exit 105 (interrupted, README "Exit codes"); the supervision module
  // SIGKILLs any child left on exit.
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping, removing ${work}`);
    void stopAll(5_000).finally(() => {
      rmSync(work, { recursive: true, force: true });
      process.exit(105);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const m =
      flags.only === 'dashboard'
        ? { rows: await dashboardMemoryRows(profile, work, log), started: new Date(), wrk: null, k6: null }
        : flags.only === 'gate'
          ? { rows: await gateSection(profile.gatePairs, log, work), started: new Date(), wrk: null, k6: null }
          : flags.only === 'engine'
            ? await engineOnly(profile, work, log)
            : await measure(profile, work, log);
    const md = renderMarkdown(m.rows, { profile, started: m.started, wrk: m.wrk, k6: m.k6, analysis: flags.only !== 'gate' });
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, md);
    await writeFile(out.replace(/\.md$/, '.json'), `${JSON.stringify({ profile: profile.name, ...(flags.only ? { only: flags.only } : {}), started: m.started, rows: m.rows }, null, 2)}\n`);
    process.stdout.write(md);
    log(`wrote ${path.relative(ROOT, out)}`);
    // The gate section alone is a check: it fails when a bar is missed.
    return flags.only === 'gate' && !m.rows.every((r) => !r.target || r.target.ok) ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(work, { recursive: true, force: true });
  }
}

interface Measured {
  rows: Row[];
  started: Date;
  wrk: string | null;
  k6: string | null;
}

async function measure(profile: Profile, work: string, log: (s: string) => void): Promise<Measured> {
  const rows: Row[] = [];
  const wrk = ensureWrk();
  const k6 = findK6();
  const started = new Date();
  log(`${profile.name} profile, ${profile.runs} run(s) per row; wrk ${wrk.path ?? `absent (${wrk.reason})`}; k6 ${k6 ?? 'absent'}`);

  const pong = await startPong();
  const ping = await startPing(pong.url).catch(async (error: unknown) => {
    await pong.stop();
    throw error;
  });
  try {
    // 1. Fidelity: an injected delay (pong's delay_ms), measured through ping, against pong's own hold time.
    const base: PingResult[] = [];
    for (let r = 0; r < profile.runs; r++) base.push(await pingBatch(ping, `target=pong&auth=none&count=${profile.fidelityCount}`));
    for (const d of profile.fidelityDelaysMs) {
      log(`fidelity ${d} ms`);
      const err50: number[] = [];
      const err99: number[] = [];
      const wrkErr: number[] = [];
      for (let r = 0; r < profile.runs; r++) {
        const hold = await holdTimes(pong.url, d, Math.min(200, profile.fidelityCount));
        const res = await pingBatch(ping, `url=${encodeURIComponent(`${pong.url}/pong?delay_ms=${d}`)}&auth=none&count=${profile.fidelityCount}`);
        const b = base[r]!.warm;
        err50.push(res.warm.p50Ms - (b.p50Ms + hold.p50));
        err99.push(res.warm.p99Ms - (b.p99Ms + hold.p50));
        if (wrk.path) {
          const w0 = await runWrk(wrk.path, `${pong.url}/pong`, { connections: 1, threads: 1, durationSec: profile.fidelityWrkSec });
          const wd = await runWrk(wrk.path, `${pong.url}/pong?delay_ms=${d}`, { connections: 1, threads: 1, durationSec: profile.fidelityWrkSec });
          wrkErr.push(wd.p50Ms - (w0.p50Ms + hold.p50));
        }
      }
      const limit = Math.max(0.02 * d, 0.05);
      rows.push({ section: 'Fidelity', what: `error of ping p50 at +${d} ms (measured − truth)`, unit: 'ms', values: err50, target: { text: `|err| ≤ ${fmt(limit, 'ms')}`, ok: judged(err50, 'ms', (v) => Math.abs(v) <= limit) }, command: `GET /ping?url=<pong>/pong?delay_ms=${d}&count=${profile.fidelityCount} vs Server-Timing hold` });
      rows.push({ section: 'Fidelity', what: `error of ping p99 at +${d} ms`, unit: 'ms', values: err99, target: null, command: 'same batch' });
      if (wrkErr.length) rows.push({ section: 'Fidelity', what: `wrk cross-check: error of wrk p50 at +${d} ms`, unit: 'ms', values: wrkErr, target: null, command: `wrk --latency -t1 -c1 -d${profile.fidelityWrkSec}s <pong>/pong?delay_ms=${d}` });
    }
    rows.push({ section: 'Fidelity', what: 'netem delay on a veth pair', unit: '', values: [], command: 'tc qdisc add dev <veth> root netem delay 5ms', skipped: netemReason() });

    // 2. Measurement overhead of ping vs wrk, concurrency 1, same pong.
    log('ping overhead');
    const pingP50: number[] = [];
    const pingP99: number[] = [];
    const wrk1P50: number[] = [];
    const ratio: number[] = [];
    for (let r = 0; r < profile.runs; r++) {
      const res = await pingBatch(ping, `target=pong&auth=none&count=${profile.pingCount}`);
      pingP50.push(res.warm.p50Ms);
      pingP99.push(res.warm.p99Ms);
      if (wrk.path) {
        const w = await runWrk(wrk.path, `${pong.url}/pong`, { connections: 1, threads: 1, durationSec: profile.loadSec });
        wrk1P50.push(w.p50Ms);
        ratio.push(res.warm.p50Ms / w.p50Ms);
      }
    }
    rows.push({ section: 'Ping overhead', what: 'ping warm p50, concurrency 1', unit: 'ms', values: pingP50, command: `GET /ping?target=pong&count=${profile.pingCount}` });
    rows.push({ section: 'Ping overhead', what: 'ping warm p99, concurrency 1', unit: 'ms', values: pingP99, command: 'same batch' });
    if (wrk.path) {
      rows.push({ section: 'Ping overhead', what: 'wrk p50, 1 connection', unit: 'ms', values: wrk1P50, command: `wrk --latency -t1 -c1 -d${profile.loadSec}s <pong>/pong` });
      rows.push({ section: 'Ping overhead', what: 'ratio ping p50 / wrk p50', unit: 'x', values: ratio, target: { text: '≤ 1.30×', ok: judged(ratio, 'x', (v) => v <= 1.3) }, command: 'side by side, same pong' });
    } else rows.push({ section: 'Ping overhead', what: 'wrk p50, 1 connection', unit: '', values: [], command: 'wrk', skipped: wrk.reason });

    // 3. The engine at k6's scale (bench/engine.ts): tight loops vs wrk and k6, 1000/5000 sleeping VUs.
    rows.push(...(await engineRows({ quick: profile.name !== 'full', smoke: profile.name === 'smoke', runs: profile.runs, pongUrl: pong.url, wrk: wrk.path, k6, log, work })));

    log('engine latency at a fixed rate');
    const e50: number[] = [];
    const e99: number[] = [];
    const a50: number[] = [];
    const a99: number[] = [];
    for (let r = 0; r < profile.runs; r++) {
      const e = await engineRun(work, RATE_SCRIPT(profile.fixedRate, profile.loadSec), { URL: `${pong.url}/pong` });
      const d = e.summary?.metrics?.http_req_duration;
      if (!d) throw new Error(`engine run failed (exit ${e.code}): ${e.stderr.slice(-2000)}`);
      e50.push(d.med);
      e99.push(d['p(99)']);
      const a = await runAutocannon(`${pong.url}/pong`, { connections: 32, durationSec: profile.loadSec, overallRate: profile.fixedRate });
      a50.push(a.p50Ms);
      a99.push(a.p99Ms);
    }
    rows.push({ section: 'Engine latency', what: `s2s run p50 at ${profile.fixedRate}/s`, unit: 'ms', values: e50, command: `constant-arrival-rate ${profile.fixedRate}/s, ${profile.loadSec}s` });
    rows.push({ section: 'Engine latency', what: `s2s run p99 at ${profile.fixedRate}/s`, unit: 'ms', values: e99, command: 'same run' });
    rows.push({ section: 'Engine latency', what: `autocannon p50 at ${profile.fixedRate}/s`, unit: 'ms', values: a50, command: `autocannon -c 32 --overallRate ${profile.fixedRate}` });
    rows.push({ section: 'Engine latency', what: `autocannon p99 at ${profile.fixedRate}/s`, unit: 'ms', values: a99, command: 'same run' });
  } finally {
    await ping.stop();
    await pong.stop();
  }

  // 3b. The project's own load scenario, both engines (starts its own local platform).
  rows.push(...(await loadScenarioRows({ quick: profile.name !== 'full', smoke: profile.name === 'smoke', runs: 1, pongUrl: '', wrk: wrk.path, k6, log, work })));

  // 4. Memory: flat means HDR storage works.
  log('memory');
  // lo → mid is the old target (it also measures V8 warming up: a 10⁴ run lasts half a second); mid → hi shows
  // whether RSS still grows with the number of samples once warm (it must not: Trends are HDR histograms).
  const [lo, mid, hi] = profile.memIters;
  const rss: Record<'lo' | 'mid' | 'hi', number[]> = { lo: [], mid: [], hi: [] };
  for (let r = 0; r < Math.min(profile.runs, 3); r++) {
    for (const [key, n] of [['lo', lo], ['mid', mid], ['hi', hi]] as const) {
      const run = await engineRun(work, MEMORY_SCRIPT(n), {});
      if (run.peakRssMiB === null || run.code !== 0) throw new Error(`memory run (${n} iterations) failed: ${run.stderr.slice(-500)}`);
      rss[key].push(run.peakRssMiB);
    }
  }
  const memRatio = rss.mid.map((v, i) => v / rss.lo[i]!);
  const lateRatio = rss.hi.map((v, i) => v / rss.mid[i]!);
  const cmd = 's2s run (shared-iterations, 4 VUs, Trend + Counter per iteration)';
  rows.push({ section: 'Memory', what: `engine peak RSS, ${lo.toExponential(0)} iterations`, unit: 'MiB', values: rss.lo, command: cmd });
  rows.push({ section: 'Memory', what: `engine peak RSS, ${mid.toExponential(0)} iterations`, unit: 'MiB', values: rss.mid, command: 'same script' });
  rows.push({ section: 'Memory', what: `engine peak RSS, ${hi.toExponential(0)} iterations`, unit: 'MiB', values: rss.hi, command: 'same script' });
  rows.push({ section: 'Memory', what: `ratio RSS ${mid.toExponential(0)} / ${lo.toExponential(0)}`, unit: 'x', values: memRatio, target: { text: '≤ 1.20×', ok: judged(memRatio, 'x', (v) => v <= 1.2) }, command: 'side by side' });
  rows.push({ section: 'Memory', what: `ratio RSS ${hi.toExponential(0)} / ${mid.toExponential(0)} (growth once warm: 3× the samples)`, unit: 'x', values: lateRatio, target: { text: '≤ 1.10× (flat)', ok: judged(lateRatio, 'x', (v) => v <= 1.1) }, command: 'side by side' });
  rows.push(...(await dashboardMemoryRows(profile, work, log)));
  const pingRss: number[][] = [[], []];
  for (const [i, count] of profile.pingMemCounts.entries()) {
    for (let r = 0; r < Math.min(profile.runs, 3); r++) {
      const pong = await startPong();
      try {
        const ping = await startPing(pong.url);
        try {
          await pingBatch(ping, `target=pong&auth=none&count=${count}`);
          pingRss[i]!.push(peakRssMiB(ping.pid) ?? Number.NaN);
        } finally {
          await ping.stop();
        }
      } finally {
        await pong.stop();
      }
    }
    rows.push({ section: 'Memory', what: `ping peak RSS, count ${count.toExponential(0)}`, unit: 'MiB', values: pingRss[i]!, command: `fresh ping, one batch of ${count}` });
  }
  const pingRatio = pingRss[1]!.map((v, i) => v / pingRss[0]![i]!);
  rows.push({ section: 'Memory', what: 'ratio ping RSS', unit: 'x', values: pingRatio, target: { text: '≤ 1.20×', ok: judged(pingRatio, 'x', (v) => v <= 1.2) }, command: 'side by side' });

  // 5. Time to first result.
  log('time to first result');
  const buildMs: number[] = [];
  const scenarioMs: number[] = [];
  for (let r = 0; r < Math.min(profile.runs, 3); r++) {
    const b = await timeCommand([process.execPath, '--import', 'tsx', 'scripts/build.ts'], { cwd: ROOT });
    if (b.code !== 0) throw new Error(`npm run build failed: ${b.stderr.slice(-1000)}`);
    buildMs.push(b.wallMs);
    // Its run folder goes to the bench's temp folder: a measurement, not a result to keep.
    const s = await timeCommand([process.execPath, '--import', 'tsx', 'scripts/scenario.ts', 'local', '--quiet', '--count', String(profile.scenarioCount), '--results-dir', path.join(work, 'results')], { cwd: ROOT });
    if (s.code !== 0) throw new Error(`scenario:local failed (exit ${s.code}): ${s.stderr.slice(-1000)}`);
    scenarioMs.push(s.wallMs);
  }
  rows.push({ section: 'Time to first result', what: 'npm run build', unit: 'ms', values: buildMs, command: 'npm run build' });
  rows.push({ section: 'Time to first result', what: 'npm run scenario:local (default probe)', unit: 'ms', values: scenarioMs, command: `npm run scenario:local -- --quiet${profile.scenarioCount === 1000 ? '' : ` --count ${profile.scenarioCount}`}` });

  // 6. The compare gate on real runs: same build passes, a 2 ms regression is caught.
  log('gate');
  rows.push(...(await gateSection(profile.gatePairs, log, work)));
  return { rows, started, wrk: wrk.path, k6 };
}

/** `npm run bench -- --only engine`: the engine rows alone (on a pong of their own), then the load scenario. */
async function engineOnly(profile: Profile, work: string, log: (s: string) => void): Promise<{ rows: Row[]; started: Date; wrk: string | null; k6: string | null }> {
  const quick = profile.name !== 'full';
  const wrk = ensureWrk();
  const k6 = findK6();
  const started = new Date();
  log(`engine rows, ${profile.name} profile; wrk ${wrk.path ?? `absent (${wrk.reason})`}; k6 ${k6 ?? 'absent'}`);
  const opts = { quick, smoke: profile.name === 'smoke', runs: profile.runs, pongUrl: '', wrk: wrk.path, k6, log, work };
  const pong = await startPong();
  let rows: Row[];
  try {
    rows = await engineRows({ ...opts, pongUrl: pong.url });
  } finally {
    await pong.stop();
  }
  rows.push(...(await loadScenarioRows(opts)));
  return { rows, started, wrk: wrk.path, k6 };
}

function netemReason(): string {
  const r = spawnSync('sh', ['-c', 'ip netns add s2s-bench-probe && ip netns exec s2s-bench-probe tc qdisc add dev lo root netem delay 1ms; rc=$?; ip netns del s2s-bench-probe; exit $rc'], { encoding: 'utf8' });
  if (r.status === 0) return 'netem is available here but the netem row is not implemented yet: see BENCHMARKS.md';
  return `skipped: this kernel has no netem qdisc (${(r.stderr || r.stdout).trim().split('\n').pop() ?? 'tc failed'})`;
}

export function renderMarkdown(rows: Row[], ctx: { profile: Profile; started: Date; wrk: string | null; k6: string | null; analysis?: boolean }): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `# Benchmarks (${ctx.profile.name})`,
    '',
    `Measured ${ctx.started.toISOString()} on ${os.hostname()}: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}.`,
    `Command: \`npm run bench${ctx.profile.name === 'full' ? '' : ` -- --${ctx.profile.name}`}\` — ${ctx.profile.runs} run(s) per row, median shown with min–max. Peers on the same pong in the same run: wrk ${ctx.wrk ? 'yes' : 'no'}, autocannon yes, k6 ${ctx.k6 ? 'yes' : 'no'}.`,
    'Absolute numbers drift on a shared machine; compare the ratios, measured side by side.',
    '',
    '| section | what | median | min – max | target | command |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    if (r.skipped) {
      lines.push(`| ${r.section} | ${r.what} | — | — | ${r.skipped} | \`${r.command}\` |`);
      continue;
    }
    const med = fmt(median(r.values), r.unit);
    const range = `${fmt(Math.min(...r.values), r.unit)} – ${fmt(Math.max(...r.values), r.unit)}`;
    const target = r.target ? `${r.target.ok ? '✅' : '❌'} ${r.target.text}` : '';
    lines.push(`| ${r.section} | ${r.what} | ${med} | ${range} | ${target} | \`${r.command}\` |`);
  }
  lines.push('');
  // The hand-written analysis (targets, method, why a target is missed) cites the full profile's rows: it
  // travels with the full table; the shorter profiles carry a note that cites only rows they have.
  if (ctx.analysis !== false) lines.push(readFileSync(new URL(ctx.profile.name === 'full' ? './analysis.md' : './analysis-short.md', import.meta.url), 'utf8'));
  return lines.join('\n');
}

// Imported for renderMarkdown/shown by tests; run as a program otherwise.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  process.exitCode = await main().catch((err) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return err instanceof FlagError ? 2 : 1;
  });
}
