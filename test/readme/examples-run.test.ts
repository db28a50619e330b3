// The README's `npm run` examples with --dry-run or --help, run as written (npm, the real entry point), with
// stand-in cloud CLIs first on PATH that fail if called and an empty deploy state: each exits 0, prints what
// it promises, runs no cloud command and writes no state. And `npm run build -- --help` prints help.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClis, type FakeClis } from '../fakes/index.ts';
import { readmeExamples, ROOT } from './examples.ts';

let fake: FakeClis;
let stateDir: string;
beforeAll(() => {
  fake = createFakeClis([{ exitCode: 1, stderr: 'a README dry run must not run me\n' }]);
  stateDir = mkdtempSync(path.join(tmpdir(), 's2s-readme-state-'));
});
afterAll(() => {
  fake.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

function npm(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: ROOT, env: { ...fake.env, S2S_STATE_DIR: stateDir, npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const runnable = readmeExamples().filter((e) => !e.schematic && (e.args.includes('--dry-run') || e.args.includes('--help')));

describe('README examples with --dry-run / --help, run as written', () => {
  it.each(runnable.map((e) => [`${e.line}: ${e.text}`, e] as const))('%s', async (_t, e) => {
    fake.clearLog();
    const r = await npm(['run', '-s', ...e.npmFlags, e.script, '--', ...e.args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(fake.lines()).toEqual([]);
    expect(readdirSync(stateDir)).toEqual([]);
  }, 120_000);

  it('there are such examples (deploy and distributed dry runs)', () => {
    expect(runnable.map((e) => e.script)).toEqual(expect.arrayContaining(['deploy:cloudrun', 'deploy:gke', 'distributed']));
  });

  it('npm run build -- --help prints help and builds nothing', async () => {
    const r = await npm(['run', '-s', 'build', '--', '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run build/);
    expect(r.stdout).not.toMatch(/^built \d+ scenarios/m);
  });
});
