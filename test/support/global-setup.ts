// Global setup of the whole suite (every project):
// - os.tmpdir() is one private folder for every test and every process a test starts, removed at the end.
//   Whatever is left there is named and fails the run: a leak is seen here, not in a user's /tmp.
// - When the integration project runs, one local platform for the end-to-end tests that can share it
//   (tests pass `--platform-file <inject('localPlatformFile')>` to the runner); stopped before the check.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { describeLocalPlatform, startLocalPlatform, type LocalPlatform } from '../../src/platforms/local/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared local platform's description (what `platform:local --json` prints); null when not started. */
    localPlatformFile: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const real = tmpdir();
  const root = mkdtempSync(path.join(real, 's2s-test-'));
  // tsx keeps its transform cache in <tmpdir>/tsx-<uid>: share the real one, or every child process compiles cold.
  // On a machine where tsx never ran, the real one does not exist yet: make it (as tsx would), or the link
  // dangles and every tsx child fails at start with ENOENT (mkdir <private tmp>/tsx-<uid>).
  const tsxCache = `tsx-${process.geteuid?.() ?? 'user'}`;
  mkdirSync(path.join(real, tsxCache), { recursive: true });
  symlinkSync(path.join(real, tsxCache), path.join(root, tsxCache));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = root;

  let platform: LocalPlatform | null = null;
  let file: string | null = null;
  if (project.vitest.projects.some((p) => p.name === 'integration')) {
    platform = await startLocalPlatform({ handleSignals: false });
    file = path.join(platform.dir, 'platform.json');
    writeFileSync(file, `${JSON.stringify(describeLocalPlatform(platform))}\n`);
  }
  project.provide('localPlatformFile', file);

  return async () => {
    await platform?.stop();
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    const left = readdirSync(root).filter((name) => name !== tsxCache);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) {
      // Not a throw: vitest reports an error in teardown but still exits 0. The run fails here instead.
      process.stderr.write(`\nFAIL the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp folder (removed now): ${left.sort().join(', ')}. Whatever a test or a command creates, it removes, also on failure.\n`);
      process.exitCode = 1;
    }
  };
}
