// `s2s lifeline -- <command> [args…]`: runs a program that cannot watch its own parent (real k6) so that it
// never outlives the runner that started it. The runner gives us its parent pipe (fd 3) and PID, as it does the
// embedded engine; when either says the runner is gone (SIGKILL included) the program gets SIGTERM, then SIGKILL
// after STOP_GRACE_MS. While the runner lives we are transparent: stdio is inherited, signals are passed on, and
// we exit with the program's own code (or die of its signal).
import { spawn } from 'node:child_process';
import { watchParent } from './parent-watch.ts';

/** How long the program may take to stop once its runner is gone, before SIGKILL (the promise is "within 2 s"). */
const STOP_GRACE_MS = 1_000;
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function main(argv: string[]): Promise<number> {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stderr.write('Usage: s2s lifeline -- <command> [args…]  (internal: the runner starts real k6 through it, so k6 never outlives the runner)\n');
    return command === undefined ? 2 : 0;
  }
  const child = spawn(command, rest, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  const watch = watchParent((reason) => {
    process.stderr.write(`s2s lifeline: ${reason}; stopping ${command} (PID ${child.pid})\n`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
  });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  watch.stop();
  for (const s of FORWARDED) process.off(s, forward);
  if (exit.error) {
    process.stderr.write(`s2s lifeline: cannot start ${command}: ${exit.error.message}\n`);
    return 1;
  }
  if (exit.signal) {
    // Die of the same signal, so our parent sees what the program saw.
    process.kill(process.pid, exit.signal);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return 1;
  }
  return exit.code ?? 1;
}
