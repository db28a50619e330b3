// The engine rows of the benchmark (issue 13): `s2s run` at k6's scale, side by side in one run with wrk and —
// when K6_BIN or a k6 on PATH is there — real k6 on the same pong and the same scripts, printing ours ÷ k6.
// Speed targets live here, never in tests. Every temp dir and process this file starts is removed or ended.
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
  const sec = o.quick ? 3 : 5;
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
  const scaleSec = o.quick ? 5 : 15;
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
