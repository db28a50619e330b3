// `s2s lifeline`: transparent while its parent lives (exit code, signals), and the program it runs never
// outlives that parent — the parent is SIGKILLed here, and the program's PID is checked.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, isAlive } from './testing/processes.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/s2s.mjs');
const started: ChildProcess[] = [];

afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Runs lifeline directly under this test process (the test is its parent), with a parent pipe on fd 3. */
function lifeline(program: string[]): ChildProcess {
  const c = spawn(process.execPath, [BIN, 'lifeline', '--', ...program], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, S2S_PARENT_FD: '3', S2S_PARENT_PID: String(process.pid) },
  });
  started.push(c);
  return c;
}

describe('s2s lifeline', () => {
  it('passes the program\'s output and exit code through', async () => {
    const c = lifeline([process.execPath, '-e', 'console.log("hello from k6"); process.exit(99)']);
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(c, 'close')) as [number | null];
    expect(code).toBe(99);
    expect(out).toContain('hello from k6');
  });

  it('passes SIGINT on to the program (it decides how to stop, as k6 writes its summary)', async () => {
    const c = lifeline([process.execPath, '-e', 'process.on("SIGINT", () => { console.log("got SIGINT"); process.exit(105); }); console.log("ready"); setInterval(() => {}, 1000);']);
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    expect(await eventually(() => out.includes('ready'), 20_000, 50)).toBe(true);
    c.kill('SIGINT');
    const [code] = (await once(c, 'close')) as [number | null];
    expect(code).toBe(105);
    expect(out).toContain('got SIGINT');
  });

  it('stops the program within 2 s when the parent is SIGKILLed (the program ignores SIGTERM: SIGKILL follows)', async () => {
    // A parent process of our own that starts lifeline with its pipe, prints the program's PID, then waits to be killed.
    const parentScript = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, [${JSON.stringify(BIN)}, 'lifeline', '--', process.execPath, '-e',
        'process.on("SIGTERM", () => {}); console.log("pid " + process.pid); setInterval(() => {}, 1000);'],
        { stdio: ['ignore', 'pipe', 'inherit', 'pipe'], env: { ...process.env, S2S_PARENT_FD: '3', S2S_PARENT_PID: String(process.pid) } });
      c.stdout.on('data', (d) => process.stdout.write(d));
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(parent);
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    expect(await eventually(() => /pid \d+/.test(out), 30_000, 50)).toBe(true);
    const programPid = Number(/pid (\d+)/.exec(out)![1]);
    expect(isAlive(programPid)).toBe(true);
    parent.kill('SIGKILL');
    // Not a timing assertion: the bound only keeps a broken lifeline from hanging the test.
    const gone = await eventually(() => !isAlive(programPid), 15_000, 50);
    if (!gone) process.kill(programPid, 'SIGKILL');
    expect(gone).toBe(true);
  });
});
