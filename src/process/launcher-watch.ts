// Notices when the processes that launched us are gone. `npm run` forwards SIGTERM to its `sh -c`, which
// dies without passing it on, leaving tsx and the platform running under init; watching the launcher
// chain (parent, grandparent, …) lets the platform stop itself then, as if it had been signalled.
import { readFileSync } from 'node:fs';

/** The parent pid of `pid` from /proc (Linux), or null when it cannot be read (gone, or no /proc). */
export function parentPidOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/** [ppid, grand-ppid, …] up to `levels` entries, stopping at init (pid 1) or where /proc is unreadable. */
export function launcherChain(levels: number, pid: number = process.pid): number[] {
  const chain: number[] = [];
  let current = pid === process.pid ? process.ppid : parentPidOf(pid);
  while (current !== null && current > 1 && chain.length < levels) {
    chain.push(current);
    current = parentPidOf(current);
  }
  return chain;
}

export interface LauncherWatchOptions {
  /** How many launchers up the chain to watch (default 3: tsx, sh, npm for `npm run`). */
  levels?: number;
  /** Poll period, ms (default 1000). */
  everyMs?: number;
}

/**
 * Calls `onGone(pid)` once when a process of the launcher chain exits. Links are checked (each launcher still
 * has the same parent) rather than pids' existence, so a reused pid does not hide the exit.
 * Returns a function that stops watching. Without /proc only our own parent is watched.
 */
export function watchLaunchers(onGone: (pid: number) => void, options: LauncherWatchOptions = {}): () => void {
  const levels = options.levels ?? 3;
  // The top launcher is only checked for existence: its own parent (a login shell, say) may come and go.
  const chain = launcherChain(levels);
  const links = chain.map((pid, i) => ({ pid, parent: chain[i + 1] ?? null }));
  const firstParent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== firstParent) return fire(firstParent);
    for (const link of links) {
      const parent = parentPidOf(link.pid);
      if (parent === null || (link.parent !== null && parent !== link.parent)) return fire(link.parent !== null && parent !== null ? link.parent : link.pid);
    }
    return undefined;
  }, options.everyMs ?? 1_000);
  timer.unref();
  function fire(pid: number): void {
    clearInterval(timer);
    onGone(pid);
  }
  return () => clearInterval(timer);
}
