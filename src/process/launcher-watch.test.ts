import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { launcherChain, parentPidOf, watchLaunchers } from './launcher-watch.ts';

const hasProc = existsSync('/proc/self/stat');

describe.runIf(hasProc)('launcher watch (Linux /proc)', () => {
  it('reads the parent of a process, and null for one that does not exist', () => {
    expect(parentPidOf(process.pid)).toBe(process.ppid);
    expect(parentPidOf(2 ** 22 + 12345)).toBeNull();
  });

  it('lists the launcher chain, parent first, never init', () => {
    const chain = launcherChain(3);
    expect(chain[0]).toBe(process.ppid);
    expect(chain.length).toBeGreaterThan(0);
    expect(chain.length).toBeLessThanOrEqual(3);
    expect(chain).not.toContain(1);
  });

  it('notices when a launcher of the watching process dies', async () => {
    // sh (the launcher) → node (the watcher). Killing sh re-parents node, which must report sh's pid.
    const script = `
      import { watchLaunchers } from ${JSON.stringify(new URL('./launcher-watch.ts', import.meta.url).pathname)};
      // Ready only once the watcher has recorded its launchers: killing sh earlier would re-parent node first.
      watchLaunchers((pid) => { process.stdout.write('gone ' + pid + '\\n'); process.exit(0); }, { levels: 1, everyMs: 50 });
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);
    `;
    const sh = spawn('sh', ['-c', `"${process.execPath}" --import tsx --input-type=module -e '${script.replace(/'/g, `'\\''`)}'; true`], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const gone = new Promise<string>((resolve) => {
      sh.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('ready') && sh.exitCode === null && sh.signalCode === null) sh.kill('SIGKILL');
        const match = /gone (\d+)/.exec(out);
        if (match) resolve(match[1] ?? '');
      });
    });
    expect(Number(await gone)).toBe(sh.pid);
  });

  it('stops watching when asked', () => {
    const stop = watchLaunchers(() => {
      throw new Error('must not fire');
    });
    stop();
  });
});
