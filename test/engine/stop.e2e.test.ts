// Stopping `s2s run` whatever its VUs do: a busy loop ends at gracefulStop (and on Ctrl-C) with the summary still
// written, and the engine never outlives the process that started it (SIGKILL included), checked by PID.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, startCli, writeScript } from './harness.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const BUSY = (duration: string, gracefulStop: string) => `export const options = {
  scenarios: { busy: { executor: 'constant-vus', vus: 3, duration: '${duration}', gracefulStop: '${gracefulStop}' } },
};
export default function () { for (;;) {} }
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when `pid` is gone; rejects (and kills it) when it is still there after `capMs` — a hang, not a timing. */
async function gone(pid: number, capMs: number): Promise<void> {
  const until = Date.now() + capMs;
  while (alive(pid)) {
    if (Date.now() > until) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`engine PID ${pid} still running ${capMs} ms after its parent died`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hard stop', { timeout: 120_000 }, () => {
  it('a busy-looping VU stops at gracefulStop; the summary is written and the exit code is 0', async () => {
    const { script, dir } = await writeScript('busy.js', BUSY('1s', '1s'));
    dirs.push(dir);
    const r = await runCli([script, '-q', '--summary-export', path.join(dir, 'summary.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('vus_max');
    const summary = JSON.parse(await import('node:fs/promises').then((f) => f.readFile(path.join(dir, 'summary.json'), 'utf8')));
    expect(summary.metrics.vus_max.value).toBe(3);
    expect(summary.metrics.iterations).toBeUndefined();
  });

  it('Ctrl-C reaches busy-looping VUs: teardown and summary still run, exit 105', async () => {
    const { script, dir } = await writeScript('busy-sigint.js', `${BUSY('10m', '10m')}
export function teardown() { console.log('teardown ran'); }
`);
    dirs.push(dir);
    const run = startCli([script]);
    await run.waitFor('running (');
    run.kill('SIGINT');
    const r = await run.result;
    expect(r.code, r.stderr).toBe(105);
    expect(r.stderr).toContain('teardown ran');
    expect(r.stdout).toContain('vus_max');
  });
});

describe('never an orphan', { timeout: 120_000 }, () => {
  // A stand-in runner: starts `s2s run` (optionally with the parent pipe on fd 3), prints its PID, then waits.
  const RUNNER = `
const { spawn } = require('node:child_process');
const [bin, script, withPipe] = process.argv.slice(1);
const child = spawn(process.execPath, [bin, 'run', '-q', script], {
  stdio: ['ignore', 'ignore', 'ignore', ...(withPipe === 'pipe' ? ['pipe'] : [])],
  env: { ...process.env, ...(withPipe === 'pipe' ? { S2S_PARENT_FD: '3' } : { S2S_PARENT_PID: String(process.pid) }) },
});
process.stdout.write(String(child.pid) + '\\n');
setInterval(() => {}, 1000);
`;

  it.each(['pipe', 'ppid'])('SIGKILL of the runner leaves no engine process (%s)', async (how) => {
    const { script, dir } = await writeScript('long.js', `import { sleep } from 'k6';\nexport const options = { vus: 2, duration: '10m' };\nexport default function () { sleep(1); }\n`);
    dirs.push(dir);
    const runner = spawn(process.execPath, ['-e', RUNNER, path.join(ROOT, 'bin/s2s.mjs'), script, how], { stdio: ['ignore', 'pipe', 'inherit'] });
    const enginePid = await new Promise<number>((resolve, reject) => {
      let out = '';
      runner.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      runner.on('exit', () => reject(new Error('runner exited early')));
    });
    try {
      // The engine is up (its VUs run) before the runner dies.
      expect(alive(enginePid)).toBe(true);
      await new Promise((r) => setTimeout(r, 0));
      runner.kill('SIGKILL');
      await gone(enginePid, 20_000);
      expect(alive(enginePid)).toBe(false);
    } finally {
      if (alive(enginePid)) process.kill(enginePid, 'SIGKILL');
      if (runner.exitCode === null) runner.kill('SIGKILL');
    }
  });
});
