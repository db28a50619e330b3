// Global setup of the whole suite: every test (and every process a test starts) gets os.tmpdir() = one
// private folder, removed at the end. Whatever a test or a command of ours leaves there is named and fails
// the run, so a leak is seen here rather than in a user's /tmp; /tmp itself gets no new entry either way.
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const real = tmpdir();
  const root = mkdtempSync(path.join(real, 's2s-test-'));
  // tsx keeps its transform cache in <tmpdir>/tsx-<uid>: share the real one, or every child process compiles cold.
  const tsxCache = `tsx-${process.geteuid?.() ?? 'user'}`;
  symlinkSync(path.join(real, tsxCache), path.join(root, tsxCache));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    const left = readdirSync(root).filter((name) => name !== tsxCache);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) {
      throw new Error(`the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp folder (removed now): ${left.sort().join(', ')}. Whatever a test or a command creates, it removes, also on failure.`);
    }
  };
}
