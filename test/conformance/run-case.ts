// Runs one corpus case through an engine (real k6 or `s2s run`) as a real process and collects what it
// left: exit code, stdout, stderr, and the summary / --out json / --summary-export files.
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConformanceCase } from './cases.ts';
import type { ConformanceServer } from './server.ts';

export const CONFORMANCE_DIR = import.meta.dirname;
export const SCRIPTS_DIR = path.join(CONFORMANCE_DIR, 'scripts');
export const GOLDENS_DIR = path.join(CONFORMANCE_DIR, 'goldens');
const ROOT = path.resolve(CONFORMANCE_DIR, '../..');

/** How to start an engine: `command ...prefix run ...runFlags <common flags> <case flags> <script>`. */
export interface Engine {
  name: 'k6' | 's2s';
  command: string;
  prefix: string[];
  /** Flags only this engine gets (not part of what is compared). */
  runFlags: string[];
}

/** Real k6; its REST API server on an ephemeral port, so that concurrent recordings do not collide on 6565. */
export function k6Engine(bin: string): Engine {
  return { name: 'k6', command: bin, prefix: [], runFlags: ['--address', '127.0.0.1:0'] };
}

export function s2sEngine(): Engine {
  return { name: 's2s', command: process.execPath, prefix: [path.join(ROOT, 'bin/s2s.mjs')], runFlags: [] };
}

/** `k6 version`'s line, or null when `bin` is not a runnable k6. */
export function k6VersionLine(bin: string): string | null {
  const probe = spawnSync(bin, ['version'], { encoding: 'utf8', timeout: 10_000 });
  return probe.status === 0 ? probe.stdout.trim().split('\n')[0] ?? null : null;
}

export interface RawResult {
  exitCode: number | null;
  /** Set when the process was killed (the case's time limit, or a crash by signal). */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The handleSummary JSON (lib/summary.js or the case's summaryFile), null when none was written. */
  summary: string | null;
  outJson: string | null;
  summaryExport: string | null;
}

const fill = (text: string, tmp: string) => text.replaceAll('{tmp}', tmp);

/** The full argv after the command: common flags, the case's own, then the script. */
export function caseArgs(engine: Engine, c: ConformanceCase, server: ConformanceServer, tmp: string): string[] {
  const args = [...engine.prefix, 'run', ...engine.runFlags, '-q', '-e', `BASE=${server.base}`, '-e', `CLOSED=${server.closedBase}`, '-e', `SUMMARY_OUT=${path.join(tmp, 'summary.json')}`];
  for (const a of c.args ?? []) args.push(fill(a, tmp));
  if (c.outJson) args.push('--out', `json=${path.join(tmp, 'out.ndjson')}`);
  if (c.summaryExport) args.push('--summary-export', path.join(tmp, 'export.json'));
  args.push(path.join(SCRIPTS_DIR, c.script ?? `${c.name}.js`));
  return args;
}

/**
 * The environment both engines get: this process's, without K6_* options or colour switches that would
 * change the outcome, with k6's network features off (no usage report, no extension download).
 */
export function caseEnv(c: ConformanceCase, tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('K6_') || k === 'NO_COLOR' || k === 'FORCE_COLOR' || k.startsWith('S2S_')) continue;
    env[k] = v;
  }
  env.K6_NO_USAGE_REPORT = 'true';
  env.K6_AUTO_EXTENSION_RESOLUTION = 'false';
  for (const [k, v] of Object.entries(c.env ?? {})) env[k] = fill(v, tmp);
  return env;
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** Runs the case in `tmp` (created and removed by the caller); kills it after `timeoutMs`. */
export async function runCase(engine: Engine, c: ConformanceCase, server: ConformanceServer, tmp: string, timeoutMs = 60_000): Promise<RawResult> {
  const child = spawn(engine.command, caseArgs(engine, c, server, tmp), {
    // cwd is the temp folder: a script that writes relative files cannot litter the repository.
    cwd: tmp,
    env: caseEnv(c, tmp),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => clearTimeout(timer));
  return {
    exitCode: code,
    signal,
    stdout,
    stderr,
    summary: await readOrNull(fill(c.summaryFile ?? '{tmp}/summary.json', tmp)),
    outJson: c.outJson ? await readOrNull(path.join(tmp, 'out.ndjson')) : null,
    summaryExport: c.summaryExport ? await readOrNull(path.join(tmp, 'export.json')) : null,
  };
}

/** Runs `fn` over `items` with at most `jobs` at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], jobs: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}
