// The engine never outlives the process that started it: a run whose runner died (SIGKILL included) would go on
// firing at services that are gone. Two signs, whichever comes first: the parent's pipe (S2S_PARENT_FD, the read
// end of a pipe whose write end only the parent holds) reaches end-of-file, or our parent PID is no longer the
// one that started us (S2S_PARENT_PID, else the parent at start-up): we were re-parented. Checked every CHECK_MS,
// so the engine is gone well within 2 s. The runner sets both (a parent that died while we were still loading
// leaves us re-parented before we could read our own parent: only the PID it passed tells).
import net from 'node:net';

const CHECK_MS = 250;

export interface ParentWatch { stop(): void }

/** Calls `onGone(reason)` once when the parent is gone. Timers and streams are unref'd: they never keep us alive. */
export function watchParent(onGone: (reason: string) => void, env: NodeJS.ProcessEnv = process.env): ParentWatch {
  let fired = false;
  const fire = (reason: string): void => {
    if (fired) return;
    fired = true;
    onGone(reason);
  };
  const given = env.S2S_PARENT_PID;
  const startPpid = given !== undefined && /^\d+$/.test(given) ? Number(given) : process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== startPpid) fire(`the process that started s2s run (PID ${startPpid}) is gone`);
  }, CHECK_MS);
  timer.unref();
  let pipe: net.Socket | undefined;
  const fdText = env.S2S_PARENT_FD;
  if (fdText !== undefined && /^\d+$/.test(fdText)) {
    try {
      pipe = new net.Socket({ fd: Number(fdText), readable: true, writable: false });
      pipe.on('data', () => undefined);
      pipe.on('end', () => fire(`the pipe from the process that started s2s run (fd ${fdText}) was closed`));
      pipe.on('error', () => undefined);
      pipe.unref();
    } catch {
      pipe = undefined;
    }
  }
  return {
    stop() {
      clearInterval(timer);
      pipe?.destroy();
    },
  };
}
