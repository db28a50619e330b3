// The peers the benchmark measures against, run as real processes on the same pong in the same run:
// wrk (Debian), autocannon (npm), and real k6 when one is on PATH / K6_BIN. Each returns requests/s
// and latency percentiles in ms.
import { spawnSync } from 'node:child_process';
import { runToExit } from '../src/process/supervised.ts';

/** Runs a peer to completion (supervised: never outlives the bench); its stdout, or an error naming it. */
async function run(command: string, args: string[], timeoutMs: number): Promise<{ stdout: string }> {
  const r = await runToExit({ name: command, command, args, timeoutMs });
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} ${r.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${r.signal ?? `code ${r.code}`}`}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return { stdout: r.stdout };
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** wrk, installed through apt when missing (as root); null with the reason when it cannot be had. */
export function ensureWrk(): { path: string | null; reason: string } {
  let path = which('wrk');
  if (path) return { path, reason: '' };
  if (process.getuid?.() === 0) {
    spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq wrk'], { stdio: 'ignore', timeout: 180_000 });
    path = which('wrk');
    if (path) return { path, reason: '' };
  }
  return { path: null, reason: 'wrk is not installed and could not be installed with apt-get (run as root: apt-get install -y wrk)' };
}

function wrkDurationMs(token: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(token);
  if (!m) throw new Error(`wrk: cannot read latency "${token}"`);
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

/** Parses `wrk --latency` output. */
export function parseWrk(text: string): LoadResult {
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(text);
    if (!m) throw new Error(`wrk output has no ${p}% line:\n${text}`);
    return wrkDurationMs(m[1]!);
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!rps) throw new Error(`wrk output has no Requests/sec line:\n${text}`);
  return { rps: Number(rps[1]), p50Ms: pct('50'), p99Ms: pct('99') };
}

export async function runWrk(wrk: string, url: string, o: { connections: number; threads: number; durationSec: number }): Promise<LoadResult> {
  const { stdout } = await run(wrk, ['--latency', '-t', String(o.threads), '-c', String(o.connections), '-d', `${o.durationSec}s`, url], (o.durationSec + 30) * 1000);
  return parseWrk(stdout);
}

/** autocannon in its own process (it would otherwise share the event loop with this script). */
export async function runAutocannon(url: string, o: { connections: number; durationSec: number; overallRate?: number }): Promise<LoadResult> {
  const args = ['-c', String(o.connections), '-d', String(o.durationSec), '-j', '-l'];
  if (o.overallRate) args.push('--overallRate', String(o.overallRate));
  const bin = new URL('../node_modules/autocannon/autocannon.js', import.meta.url).pathname;
  const { stdout } = await run(process.execPath, [bin, ...args, url], (o.durationSec + 60) * 1000);
  const j = JSON.parse(stdout) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; duration: number };
  return { rps: j.requests.total / j.duration, p50Ms: j.latency.p50, p99Ms: j.latency.p99 };
}

export function findK6(): string | null {
  return process.env.K6_BIN || which('k6');
}
