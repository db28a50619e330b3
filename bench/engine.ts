// The engine rows of the benchmark (issue 13): `s2s run` at k6's scale, side by side in one run with wrk and —
// when K6_BIN or a k6 on PATH is there — real k6 on the same pong and the same scripts, printing ours ÷ k6.
// Speed targets live here, never in tests. Every temp dir and process this file starts is removed or ended.
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { timeCommand } from './procs.ts';
import { runWrk } from './tools.ts';
import type { Row } from './run.ts';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);

export interface EngineRun {
  /** summary-export JSON (k6's legacy summary), null when the run wrote none. */
  summary: any;
  wallMs: number;
  peakRssMiB: number | null;
  code: number | null;
  stderr: string;
}

/** One run of a script by `s2s run` (k6Path null) or real k6, the same flags for both, in a folder of `work`. */
async function scaleRun(work: string, script: string, env: Record<string, string>, k6Path: string | null = null, timeoutMs = 900_000, extraEnv: NodeJS.ProcessEnv = {}): Promise<EngineRun> {
  const dir = await mkdtemp(path.join(work, 'engine-'));
  try {
    const file = path.join(dir, 'script.js');
    const exportFile = path.join(dir, 'summary.json');
    await writeFile(file, script);
    // k6 v1.3 writes no --summary-export with --no-summary: it prints its summary (to our pipe) instead.
    const args = [...(k6Path ? [k6Path] : [process.execPath, path.join(ROOT, 'bin/s2s.mjs')]), 'run', '-q', ...(k6Path ? [] : ['--no-summary']), '--summary-export', exportFile, '--summary-trend-stats', 'avg,med,p(99)'];
    for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
    args.push(file);
    const r = await timeCommand(args, { cwd: ROOT, timeoutMs, env: { ...process.env, ...extraEnv } });
    let summary: any = null;
    try {
      summary = JSON.parse(await readFile(exportFile, 'utf8'));
    } catch {
      /* reported by the caller */
    }
    return { summary, wallMs: r.wallMs, peakRssMiB: r.peakRssMiB, code: r.code, stderr: r.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const TIGHT_SYNC = (vus: number, sec: number) => `import http from 'k6/http';
export const options = { vus: ${vus}, duration: '${sec}s' };
export default function () { http.get(__ENV.URL); }
`;
export const TIGHT_ASYNC = (vus: number, sec: number) => `import http from 'k6/http';
export const options = { vus: ${vus}, duration: '${sec}s' };
export default async function () { await http.asyncRequest('GET', __ENV.URL); }
`;
export const GET_SLEEP = (vus: number, sec: number) => `import http from 'k6/http';
import { sleep } from 'k6';
export const options = { vus: ${vus}, duration: '${sec}s' };
export default function () { http.get(__ENV.URL); sleep(1); }
`;

export interface EngineBenchOptions {
  quick: boolean;
  /** Smallest sizes (the suite's `--smoke`: the rows must run, their numbers mean nothing). */
  smoke?: boolean;
  /** The bench run's temp folder (removed by the bench at the end, on failure too). */
  work: string;
  runs: number;
  pongUrl: string;
  wrk: string | null;
  k6: string | null;
  log: (s: string) => void;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function rateOf(r: EngineRun, what: string): number {
  const v = r.summary?.metrics?.http_reqs?.rate;
  if (typeof v !== 'number') throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.slice(-1500)}`);
  return v;
}

/** Rows: tight loops at 64 VUs vs wrk (and k6); 1000 and 5000 sleeping VUs (iterations, wall time, peak RSS). */
export async function engineRows(o: EngineBenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const url = `${o.pongUrl}/pong`;
  const sec = o.smoke ? 1 : o.quick ? 3 : 5;
  const section = 'Engine at scale';
  const k6Skip = o.k6 ? 'k6 run failed' : 'k6 is not on PATH and K6_BIN is not set';

  // 1. 64 VUs, closed loops: the engine's own cost per request, as a fraction of wrk's rate on the same pong.
  for (const [kind, script, target] of [
    ['sync http.get', TIGHT_SYNC, { text: '≥ 0.30× (goal 0.45×; k6 ≈ 0.30×)', min: 0.3 }],
    ['async http.asyncRequest', TIGHT_ASYNC, { text: '≥ 0.30× (k6 ≈ 0.25×)', min: 0.3 }],
  ] as const) {
    o.log(`engine: 64 VUs, tight ${kind} loop`);
    const ours: number[] = [];
    const theirs: number[] = [];
    const wrkRps: number[] = [];
    const vsWrk: number[] = [];
    const vsK6: number[] = [];
    for (let r = 0; r < o.runs; r++) {
      const e = rateOf(await scaleRun(o.work, script(64, sec), { URL: url }), `s2s run (${kind})`);
      ours.push(e);
      if (o.wrk) {
        const w = await runWrk(o.wrk, url, { connections: 64, threads: 2, durationSec: sec });
        wrkRps.push(w.rps);
        vsWrk.push(e / w.rps);
      }
      if (o.k6) {
        const k = await scaleRun(o.work, script(64, sec), { URL: url }, o.k6);
        const kr = k.summary?.metrics?.http_reqs?.rate;
        if (typeof kr === 'number') {
          theirs.push(kr);
          vsK6.push(e / kr);
        }
      }
    }
    rows.push({ section, what: `s2s run, 64 VUs, tight ${kind} loop`, unit: 'req/s', values: ours, command: `s2s run (64 VUs, ${sec}s, ${kind} per iteration)` });
    if (wrkRps.length) {
      rows.push({ section, what: `wrk, 64 connections (same pong, same run)`, unit: 'req/s', values: wrkRps, command: `wrk -t2 -c64 -d${sec}s` });
      rows.push({ section, what: `ratio s2s run / wrk (${kind})`, unit: 'x', values: vsWrk, target: { text: target.text, ok: median(vsWrk) >= target.min }, command: 'side by side, same pong' });
    }
    if (theirs.length) {
      rows.push({ section, what: `real k6, 64 VUs, tight ${kind} loop`, unit: 'req/s', values: theirs, command: 'k6 run (same script)' });
      rows.push({ section, what: `ratio s2s run / k6 (${kind})`, unit: 'x', values: vsK6, target: null, command: 'side by side, same pong' });
    } else rows.push({ section, what: `real k6, 64 VUs, tight ${kind} loop`, unit: '', values: [], command: 'k6 run', skipped: k6Skip });
  }

  // 2. Many sleeping VUs: http.get + sleep(1), what nearly every k6 script does.
  const scaleSec = o.smoke ? 2 : o.quick ? 5 : 15;
  for (const vus of [1000, 5000]) {
    o.log(`engine: ${vus} VUs, http.get + sleep(1), ${scaleSec}s`);
    const ideal = vus * scaleSec;
    const pct: number[] = [];
    const wall: number[] = [];
    const rss: number[] = [];
    const failed: number[] = [];
    const k6Pct: number[] = [];
    const k6Wall: number[] = [];
    const k6Rss: number[] = [];
    for (let r = 0; r < o.runs; r++) {
      const e = await scaleRun(o.work, GET_SLEEP(vus, scaleSec), { URL: url });
      const its = e.summary?.metrics?.iterations?.count;
      if (typeof its !== 'number' || e.code !== 0) throw new Error(`s2s run (${vus} VUs) failed (exit ${e.code}): ${e.stderr.slice(-1500)}`);
      pct.push((100 * its) / ideal);
      wall.push(e.wallMs / 1000);
      rss.push(e.peakRssMiB ?? Number.NaN);
      failed.push(100 * (e.summary?.metrics?.http_req_failed?.value ?? 0));
      if (o.k6) {
        const k = await scaleRun(o.work, GET_SLEEP(vus, scaleSec), { URL: url }, o.k6);
        const kits = k.summary?.metrics?.iterations?.count;
        if (typeof kits === 'number') {
          k6Pct.push((100 * kits) / ideal);
          k6Wall.push(k.wallMs / 1000);
          k6Rss.push(k.peakRssMiB ?? Number.NaN);
        }
      }
    }
    const cmd = `s2s run (${vus} VUs, ${scaleSec}s, http.get + sleep(1))`;
    if (vus === 1000) {
      rows.push({ section, what: `${vus} VUs: iterations of the ideal ${ideal}`, unit: '%', values: pct, target: { text: '≥ 95%', ok: median(pct) >= 95 }, command: cmd });
      rows.push({ section, what: `${vus} VUs: whole run, start to exit`, unit: 's', values: wall, target: { text: `≤ ${scaleSec + 2} s (k6: 15.9 s for 15 s)`, ok: median(wall) <= scaleSec + 2 }, command: 'same run' });
      rows.push({ section, what: `${vus} VUs: peak RSS`, unit: 'MiB', values: rss, target: { text: '≤ 300 MiB (k6: 263 MiB)', ok: median(rss) <= 300 }, command: 'same run' });
    } else {
      rows.push({ section, what: `${vus} VUs: iterations of the ideal ${ideal}`, unit: '%', values: pct, target: null, command: cmd });
      rows.push({ section, what: `${vus} VUs: failed requests`, unit: '%', values: failed, target: { text: 'no error', ok: median(failed) === 0 }, command: 'same run' });
      rows.push({ section, what: `${vus} VUs: peak RSS`, unit: 'MiB', values: rss, target: { text: '≤ 1024 MiB', ok: median(rss) <= 1024 }, command: 'same run' });
    }
    if (k6Pct.length) {
      rows.push({ section, what: `real k6, ${vus} VUs: iterations of the ideal ${ideal}`, unit: '%', values: k6Pct, target: null, command: 'k6 run (same script)' });
      rows.push({ section, what: `real k6, ${vus} VUs: whole run`, unit: 's', values: k6Wall, target: null, command: 'same run' });
      rows.push({ section, what: `real k6, ${vus} VUs: peak RSS`, unit: 'MiB', values: k6Rss, target: null, command: 'same run' });
      rows.push({ section, what: `ratio s2s run / k6, ${vus} VUs: peak RSS`, unit: 'x', values: rss.map((v, i) => v / (k6Rss[i] ?? Number.NaN)), target: null, command: 'side by side' });
    } else rows.push({ section, what: `real k6, ${vus} VUs`, unit: '', values: [], command: 'k6 run', skipped: k6Skip });
  }
  return rows;
}

interface ScenarioRun { code: number | null; summary: any; output: string; wallMs: number }

/** One `npm run scenario:local -- --scenario load …` run into a temp results dir (removed after). */
async function loadScenario(work: string, args: string[], engine: 'embedded' | 'k6', k6: string | null): Promise<ScenarioRun> {
  const dir = await mkdtemp(path.join(work, 'load-'));
  try {
    const argv = [process.execPath, '--import', 'tsx', 'scripts/scenario.ts', 'local', '--scenario', 'load', ...args, '--engine', engine, '--quiet', '--results-dir', dir];
    const r = await timeCommand(argv, { cwd: ROOT, timeoutMs: 600_000, env: { ...process.env, ...(k6 ? { K6_BIN: k6 } : {}) } });
    let summary: any = null;
    try {
      const [run] = readdirSync(dir);
      if (run) summary = JSON.parse(await readFile(path.join(dir, run, 'summary.json'), 'utf8'));
    } catch {
      /* reported by the caller */
    }
    return { code: r.code, summary, output: r.stdout + r.stderr, wallMs: r.wallMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rows: the project's own `load` scenario on the local platform, both engines in the same run. */
export async function loadScenarioRows(o: EngineBenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const section = 'Engine: load scenario';
  const sec = o.smoke ? 2 : o.quick ? 10 : 20;
  const requested = 200 * sec;
  o.log(`engine: load scenario --rate 200 --max-vus 200 --duration ${sec}s, both engines`);
  const delivered: Record<'embedded' | 'k6', number[]> = { embedded: [], k6: [] };
  const p50: Record<'embedded' | 'k6', number[]> = { embedded: [], k6: [] };
  for (let r = 0; r < o.runs; r++) {
    for (const engine of o.k6 ? (['embedded', 'k6'] as const) : (['embedded'] as const)) {
      const run = await loadScenario(o.work, ['--rate', '200', '--max-vus', '200', '--duration', `${sec}s`], engine, o.k6);
      const its = run.summary?.metrics?.iterations?.values?.count;
      const med = run.summary?.metrics?.s2s_latency_ms?.values?.med;
      if (typeof its !== 'number' || typeof med !== 'number') throw new Error(`load scenario (${engine}) wrote no summary (exit ${run.code}): ${run.output.slice(-1500)}`);
      delivered[engine].push((100 * its) / requested);
      p50[engine].push(med);
    }
  }
  const cmd = `npm run scenario:local -- --scenario load --rate 200 --max-vus 200 --duration ${sec}s`;
  rows.push({ section, what: 's2s run: delivered of the requested iterations', unit: '%', values: delivered.embedded, target: { text: '≥ 98%', ok: median(delivered.embedded) >= 98 }, command: `${cmd} --engine embedded` });
  rows.push({ section, what: 's2s run: warm p50 (s2s_latency_ms)', unit: 'ms', values: p50.embedded, target: null, command: 'same run' });
  if (delivered.k6.length) {
    rows.push({ section, what: 'real k6: delivered of the requested iterations', unit: '%', values: delivered.k6, target: null, command: `${cmd} --engine k6` });
    rows.push({ section, what: 'real k6: warm p50 (s2s_latency_ms)', unit: 'ms', values: p50.k6, target: null, command: 'same run' });
    const ratio = p50.embedded.map((v, i) => v / (p50.k6[i] ?? Number.NaN));
    rows.push({ section, what: 'ratio warm p50 s2s run / k6', unit: 'x', values: ratio, target: { text: '≤ 1.5×', ok: median(ratio) <= 1.5 }, command: 'side by side, same platform' });
  } else rows.push({ section, what: 'real k6: load scenario', unit: '', values: [], command: `${cmd} --engine k6`, skipped: 'k6 is not on PATH and K6_BIN is not set' });

  o.log('engine: load scenario --rate 100, default flags');
  const dropped: number[] = [];
  for (let r = 0; r < o.runs; r++) {
    const run = await loadScenario(o.work, ['--rate', '100', ...(o.smoke ? ['--duration', '2s'] : o.quick ? ['--duration', '10s'] : [])], 'embedded', null);
    const its = run.summary?.metrics?.iterations?.values?.count;
    if (typeof its !== 'number') throw new Error(`load scenario --rate 100 wrote no summary (exit ${run.code}): ${run.output.slice(-1500)}`);
    const d = run.summary?.metrics?.dropped_iterations?.values?.count ?? 0;
    dropped.push((100 * d) / (its + d));
  }
  rows.push({ section, what: 's2s run --rate 100 (default --max-vus): dropped', unit: '%', values: dropped, target: { text: '≤ 1%', ok: median(dropped) <= 1 }, command: `npm run scenario:local -- --scenario load --rate 100${o.quick ? ' --duration 10s' : ''}` });

  o.log('engine: load scenario --rate 5000 --max-vus 10');
  const run = await loadScenario(o.work, ['--rate', '5000', '--max-vus', '10', '--duration', o.smoke ? '2s' : '5s'], 'embedded', null);
  const warned = /warning: load not delivered/.test(run.output) && /dropped_iterations/.test(run.output);
  rows.push({ section, what: 's2s run --rate 5000 --max-vus 10: exit code (warned, dropped_iterations crossed)', unit: 'exit', values: [run.code ?? -1], target: { text: `exit 99 with the warning${warned ? '' : ' (warning missing)'}`, ok: run.code === 99 && warned }, command: 'npm run scenario:local -- --scenario load --rate 5000 --max-vus 10 --duration 5s' });
  return rows;
}
