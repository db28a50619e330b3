// End to end: real local runs (`npm run scenario:local`, small counts), then `npm run compare` and
// `npm run report` on their run folders. A 20 ms pong delay must fail the default gate; a rerun must not.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RUNNER = path.join(ROOT, 'scripts/scenario.ts');

function run(script: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // a bound, not a timing assertion: a hung run must not hang the suite
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe.skipIf(!existsSync(RUNNER))('compare on two real local runs', () => {
  let tmp: string;
  const folders: Record<'a' | 'b' | 'slow', string> = { a: '', b: '', slow: '' };
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 's2s-compare-e2e-'));
    const common = ['local', '--count', '80', '--batches', '2', '-q'];
    const shared = inject('localPlatformFile');
    // one after the other: concurrent runs fight over the 2 cores and make each other bimodal
    for (const name of ['a', 'slow', 'b'] as const) {
      const dir = path.join(tmp, name);
      // The same-config runs use the suite's shared platform; the delayed run needs its own (the delay is a platform setting).
      const where = name === 'slow' ? ['--pong-delay-ms', '20'] : shared ? ['--platform-file', shared] : [];
      const r = await run('scripts/scenario.ts', [...common, '--results-dir', dir, ...where], 200_000);
      // 99 = a default threshold crossed (e.g. p95 under heavy machine load): still a complete run folder
      expect([0, 99], `${name}: ${r.err}\n${r.out}`).toContain(r.code);
      const [id] = await readdir(dir);
      folders[name] = path.join(dir, id!);
    }
  }, 600_000);
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('flags the delayed run as a significant regression (exit 99)', async () => {
    const r = await run('scripts/compare.ts', [folders.a, folders.slow], 120_000);
    expect(r.code, r.err + r.out).toBe(99);
    expect(r.out).toMatch(/`s2s_latency_ms\{source:local,target:pong-sec\}` \| regression \| FAIL \|/);
    expect(r.out).toMatch(/different pongDelayMs/);
  });

  it('does not fail the default gate on two runs of the same config (exit 0)', async () => {
    // The default minimum effect (+25% and +1 ms) is what keeps machine load between runs from "regressing".
    const r = await run('scripts/compare.ts', [folders.a, folders.b], 120_000);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/FAIL/);
  });

  it('reports the three runs with every chart', async () => {
    const out = path.join(tmp, 'report');
    const r = await run('scripts/report.ts', [folders.a, folders.slow, '--out', out], 120_000);
    expect(r.code, r.err).toBe(0);
    const md = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('local → pong-sec');
    expect(md).toMatch(/different pongDelayMs/);
    for (const f of ['index.html', 'cdf-pong-sec.svg', 'phases.svg']) expect(existsSync(path.join(out, f)), f).toBe(true);
    // one latency-over-time panel per run
    expect((await readdir(out)).filter((f) => f.startsWith('latency-over-time-'))).toHaveLength(2);
  });
});
