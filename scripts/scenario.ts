// `npm run scenario:<platform> -- [flags]`: thin entry; everything lives in src/runner/cli.ts.
// The runner runs in a child (`node bin/s2s.mjs scenario …`), not in this process: tsx's signal relay
// SIGKILLs its child when the child's "got SIGINT" report is slower than 30 ms (a loaded machine), and the
// runner must survive Ctrl-C to stop the engine, write the run folder and stop the platform.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchLaunchers } from '../src/process/launcher-watch.ts';
import { STOP_SIGNALS } from '../src/runner/signals.ts';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/s2s.mjs');
const child = spawn(process.execPath, [bin, 'scenario', ...process.argv.slice(2)], { stdio: 'inherit' });
// A terminal Ctrl-C reaches the child directly (same process group); a signal sent to this pid alone is
// forwarded. The runner treats a repeat within a second as the same Ctrl-C.
for (const signal of STOP_SIGNALS) process.on(signal, () => child.kill(signal));
// `npm run` relays SIGTERM to its shell only; the shell dies and tsx, this process and the runner would run
// on. A launcher that is gone (tsx, sh, npm) is a hang-up for the run. If this process itself is killed,
// the runner notices its own parent is gone.
const stopWatching = watchLaunchers(() => child.kill('SIGHUP'), { levels: 3, everyMs: 250 });
child.on('close', (code, signal) => {
  stopWatching();
  process.exitCode = code ?? (signal ? 130 : 1);
});
