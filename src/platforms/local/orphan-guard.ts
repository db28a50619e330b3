// Preloaded (--import) into every service the local platform starts: when the platform's process dies
// without stopping us (SIGKILL, crash), this child is re-parented; it notices and shuts itself down,
// so no process is left behind even then; it also removes the platform's temp dir, which the dead parent cannot.
import { rmSync } from 'node:fs';
import { basename } from 'node:path';

const expectedParentPid = Number(process.env.S2S_PARENT_PID) || process.ppid;
const CHECK_EVERY_MS = 1_000;
/** After SIGTERM (graceful shutdown in the service), exit anyway if the service has not. */
const FORCE_EXIT_AFTER_MS = 10_000;

const timer = setInterval(() => {
  if (process.ppid === expectedParentPid) return;
  clearInterval(timer);
  process.stderr.write(`orphan-guard: parent ${expectedParentPid} is gone, stopping ${process.pid}\n`);
  const platformDir = process.env.S2S_PLATFORM_DIR;
  // Only a dir the platform made (mkdtemp "s2s-local-…"): a wrong env value must not delete anything else.
  if (platformDir && basename(platformDir).startsWith('s2s-local-')) {
    try {
      rmSync(platformDir, { recursive: true, force: true });
    } catch {
      // Another service of the same platform may be removing it at the same moment.
    }
  }
  setTimeout(() => process.exit(1), FORCE_EXIT_AFTER_MS).unref();
  process.kill(process.pid, 'SIGTERM');
}, CHECK_EVERY_MS);
timer.unref();

