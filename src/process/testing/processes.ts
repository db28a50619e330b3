// Test helpers for processes: is a PID still running, and polling until a condition holds.
import { existsSync, readFileSync } from 'node:fs';

/**
 * True while a process with this pid runs (signal 0 probes without sending anything). A zombie counts as
 * gone: it has exited, and an init that does not reap (as in some containers) would keep it listed.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // Gone between the probe and the read, or no /proc on this system (then the probe is all we know).
    return !existsSync('/proc/self/stat');
  }
}

/** Polls until `check()` is true or `timeoutMs` passed; returns the last value of check(). */
export async function eventually(check: () => boolean, timeoutMs = 30_000, everyMs = 100): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return check();
}
