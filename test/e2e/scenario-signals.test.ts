// `npm run scenario:local` stopped from outside, as issue 11 found it: a signal to npm, to tsx, to the runner,
// or the death of a launcher. Each time every process of the run (npm, tsx, the runner, the engine, the four
// services, esbuild helpers) must be gone within the issue's budget, checked PID by PID, and the run folder
// must be written and marked interrupted. Real processes, real platform, embedded engine.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/process/testing/processes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Issue 11's acceptance: `kill -TERM <npm pid>` ends every process of the run within 5 s. */
const STOP_BUDGET_MS = 5_000;
const RUN_TIMEOUT_MS = 240_000;
const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(name), ppid, cmdline });
    } catch {
      // gone while listing
    }
  }
  return out;
}

/** `root` and every process below it, parents first. */
function tree(root: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const p = all.find((x) => x.pid === pid);
    if (p) found.push(p);
    for (const c of all) if (c.ppid === pid) queue.push(c.pid);
  }
  return found;
}

let resultsRoot: string;
beforeAll(async () => {
  resultsRoot = await mkdtemp(path.join(os.tmpdir(), 's2s-e2e-signals-'));
});
afterAll(async () => {
  await rm(resultsRoot, { recursive: true, force: true });
});

type Target = 'npm' | 'sh' | 'tsx' | 'runner' | 'scenario.ts';

/** Which process of the tree gets the signal. */
function pick(procs: Proc[], rootPid: number, target: Target): number {
  const byCmd = (re: RegExp) => procs.find((p) => re.test(p.cmdline))?.pid;
  const pid =
    target === 'npm' || target === 'sh'
      ? rootPid
      : target === 'tsx'
        ? byCmd(/\.bin\/tsx scripts\/scenario\.ts/)
        : target === 'scenario.ts'
          ? byCmd(/preflight\.cjs.*scripts\/scenario\.ts/)
          : byCmd(/bin\/s2s\.mjs scenario /);
  if (pid === undefined) throw new Error(`no ${target} process in:\n${procs.map((p) => `${p.pid} ${p.ppid} ${p.cmdline}`).join('\n')}`);
  return pid;
}

describe.runIf(hasProc)('npm run scenario:local stopped from outside', () => {
  it.each<[Target, NodeJS.Signals]>([
    ['npm', 'SIGTERM'],
    ['npm', 'SIGINT'],
    ['npm', 'SIGHUP'],
    ['tsx', 'SIGTERM'],
    ['tsx', 'SIGHUP'],
    ['runner', 'SIGHUP'],
    // The runner's own launcher dies without a word: it must notice and stop as for a hang-up.
    ['scenario.ts', 'SIGKILL'],
    // A shell that does not exec (what npm's own `sh -c` was before the scripts said exec): it dies of
    // SIGTERM without passing it on, and the launcher watch must stop the run.
    ['sh', 'SIGTERM'],
  ])(
    '%s gets %s: every process of the run ends within the budget, the folder is written and marked interrupted',
    async (target, signal) => {
      const resultsDir = path.join(resultsRoot, `${target}-${signal}`);
      const { K6_BIN: _k6, ...env } = process.env;
      // Own session: nothing here reaches the test's process group, and the test sends every signal itself.
      const flags = ['--engine', 'embedded', '--count', '1000', '--batches', '1000', '--results-dir', resultsDir];
      // `; true` keeps dash from exec'ing tsx: the shell stays tsx's parent, as npm's shell was.
      const [command, args] =
        target === 'sh'
          ? ['sh', ['-c', `node_modules/.bin/tsx scripts/scenario.ts local ${flags.map((f) => `'${f}'`).join(' ')}; true`]]
          : ['npm', ['run', 'scenario:local', '--', ...flags]];
      const launcher: ChildProcess = spawn(command, args, {
        cwd: ROOT,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      let procs: Proc[] = [];
      try {
        const running = new Promise<void>((resolve, reject) => {
          const onData = (c: Buffer) => {
            output += c.toString();
            // The engine prints "running (…)" once the scenario runs: the whole tree exists now.
            if (/running \(/.test(output)) resolve();
          };
          launcher.stdout?.on('data', onData);
          launcher.stderr?.on('data', onData);
          launcher.once('exit', (code) => reject(new Error(`launcher exited (${code}) before the run started:\n${output}`)));
        });
        await running;
        procs = tree(launcher.pid as number);
        expect(procs.some((p) => /bin\/s2s\.mjs run /.test(p.cmdline)), 'the engine runs').toBe(true);
        expect(procs.filter((p) => /local-platform\/server-/.test(p.cmdline) || /app\/server\.ts/.test(p.cmdline)).length, 'four services').toBe(4);
        const victim = pick(procs, launcher.pid as number, target);
        const t0 = Date.now();
        process.kill(victim, signal);
        let alive = procs.filter((p) => isAlive(p.pid));
        while (alive.length > 0 && Date.now() - t0 < STOP_BUDGET_MS) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          alive = alive.filter((p) => isAlive(p.pid));
        }
        const stopMs = Date.now() - t0;
        expect(alive.map((p) => `${p.pid} ${p.cmdline}`), `still running ${stopMs} ms after ${signal} to ${target}:\n${output}`).toEqual([]);
        process.stdout.write(`scenario-signals: ${signal} to ${target}: ${procs.length} processes gone in ${stopMs} ms (shared machine: noisy)\n`);
        const names = await readdir(resultsDir);
        const runs = names.filter((n) => !n.startsWith('.'));
        expect(names, output).toEqual(runs);
        expect(runs, output).toHaveLength(1);
        const meta = JSON.parse(await readFile(path.join(resultsDir, runs[0] as string, 'run.json'), 'utf8')) as Record<string, unknown>;
        expect(meta, output).toMatchObject({ status: 'interrupted', interrupted: true });
        expect(output).toContain('local platform: stopped');
      } finally {
        for (const p of procs) if (isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
        if (launcher.exitCode === null && launcher.signalCode === null && launcher.pid !== undefined && isAlive(launcher.pid)) launcher.kill('SIGKILL');
      }
    },
    RUN_TIMEOUT_MS,
  );
});
