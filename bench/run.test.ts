// The benchmark is not a test of speed (no timed assertion here): this checks that the bench runs end to
// end (`--smoke`: every row once at the smallest size) and writes a well-formed table, that it removes
// everything it creates besides the table — after a run and when stopped half-way — and that a verdict
// judges the value as printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runToExit } from '../src/process/supervised.ts';
import { fmt, shown } from './run.ts';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 's2s-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TSX_CACHE = `tsx-${process.geteuid?.() ?? 'user'}`;

/** A fresh folder to be the bench's TMPDIR: whatever is left in it afterwards, the bench left. */
function freshTmp(name: string): string {
  const tmp = mkdtempSync(path.join(dir, `${name}-`));
  // tsx's transform cache lives in TMPDIR: keep it warm (and out of the check).
  symlinkSync(path.join(tmpdir(), TSX_CACHE), path.join(tmp, TSX_CACHE));
  return tmp;
}
const leftIn = (tmp: string): string[] => readdirSync(tmp).filter((n) => n !== TSX_CACHE);

/** Processes whose environment carries TMPDIR=<tmp>: the bench and everything it started. */
function processesUsing(tmp: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`TMPDIR=${tmp}`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

describe('npm run bench -- --smoke', () => {
  it('writes a well-formed table covering every section, and leaves nothing in its TMPDIR', async () => {
    const tmp = freshTmp('run');
    const out = path.join(dir, 'smoke.md');
    const r = await runToExit({ name: 'bench', args: ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', out], cwd: root, env: { ...process.env, TMPDIR: tmp }, timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(leftIn(tmp)).toEqual([]);
    const md = readFileSync(out, 'utf8');
    const json = JSON.parse(readFileSync(out.replace(/\.md$/, '.json'), 'utf8'));
    const lines = md.split('\n');
    expect(md).toContain('Command: `npm run bench -- --smoke` — 1 run(s) per row');
    const header = lines.findIndex((l) => l.startsWith('| section |'));
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toBe('|---|---|---|---|---|---|');
    const rows = lines.slice(header + 2).filter((l) => l.startsWith('|'));
    expect(rows).toHaveLength(json.rows.length);
    for (const row of rows) {
      const cells = row.split(' | ');
      expect(cells, row).toHaveLength(6);
      const median = cells[2]!;
      if (median !== '—') expect(median, row).toMatch(/^(-?[\d.]+ ?(µs|ms|×|req\/s|MiB|%|s)|exit -?\d+)$/);
    }
    const sections = new Set(json.rows.map((r: { section: string }) => r.section));
    for (const s of ['Fidelity', 'Ping overhead', 'Engine at scale', 'Engine: load scenario', 'Engine latency', 'Memory', 'Time to first result', 'Gate (compare, default minimum effect)']) expect(sections).toContain(s);
    // Every target row carries a verdict; every measured row carries numbers.
    for (const r of json.rows) {
      if (r.skipped) continue;
      expect(r.values.length, r.what).toBeGreaterThan(0);
      for (const v of r.values) expect(Number.isFinite(v), r.what).toBe(true);
    }
    expect(md).toMatch(/✅|❌/);
    // The short profiles' notes cite no row of the full profile (10⁶ iterations, 10⁵ ping calls).
    expect(md).toContain('## Reading this table');
    expect(md).not.toMatch(/10⁶|10⁵/);
  }, 600_000);

  it('stopped half-way (SIGTERM), it exits, stops every process it started and removes its temp folder', async () => {
    const tmp = freshTmp('stopped');
    const bench = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', path.join(dir, 'never.md')], { cwd: root, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => bench.once('close', (code) => resolve(code)));
    try {
      // "fidelity" is logged once pong and ping are up: the bench then has children and a temp folder.
      await new Promise<void>((resolve, reject) => {
        bench.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
          if (stderr.includes('bench: fidelity')) resolve();
        });
        void exited.then(() => reject(new Error(`bench ended before measuring:\n${stderr}`)));
      });
      expect(processesUsing(tmp).length).toBeGreaterThan(1);
      bench.kill('SIGTERM');
      expect(await exited, stderr).toBe(105);
      await vi.waitFor(() => expect(processesUsing(tmp)).toEqual([]), { timeout: 15_000, interval: 50 });
      expect(leftIn(tmp)).toEqual([]);
    } finally {
      bench.kill('SIGKILL');
      for (const pid of processesUsing(tmp)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});

describe('bench verdicts', () => {
  it.each([
    [1.3049, 'x'],
    [0.05004, 'ms'],
    [0.4499, 'x'],
    [12.3456, 'ms'],
    [3.14159, '%'],
  ])('%s %s is judged as printed', (v, unit) => {
    expect(shown(v, unit)).toBe(Number.parseFloat(fmt(v, unit)) / (unit === 'ms' && Math.abs(v) < 1 ? 1000 : 1));
  });

  it('"1.30×" meets "≤ 1.30×"', () => {
    expect(fmt(1.3049, 'x')).toBe('1.30×');
    expect(shown(1.3049, 'x') <= 1.3).toBe(true);
  });
});
