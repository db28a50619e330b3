// Turning command-line operands (run folders or globs) into loaded run folders, with errors that
// name the operand and the fix.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'zx';
import { readRunFolder, type RunFolder } from '../results/run-folder-read.ts';

export class InputError extends Error {}

/** Expands globs (the shell may have left them quoted) into folder paths; plain paths pass as they are. */
export async function expandOperands(operands: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const op of operands) {
    if (/[*?[\]{}]/.test(op)) {
      const found = (await glob(op, { onlyDirectories: true, expandDirectories: false })).sort();
      if (found.length === 0) throw new InputError(`no run folder matches "${op}": check the pattern (e.g. "results/*_local_probe")`);
      out.push(...found);
    } else out.push(op);
  }
  return out;
}

/** A run folder left out, and why (e.g. the run failed before the engine wrote summary.json). */
export interface SkippedFolder {
  dir: string;
  reason: string;
}

/** Why a folder without summary.json has none, from its run.json when there is one. */
async function whyNoSummary(dir: string): Promise<string> {
  try {
    const meta = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as { status?: unknown; exitCode?: unknown };
    const exit = typeof meta.exitCode === 'number' ? `exit ${meta.exitCode}` : 'no exit code';
    return `no summary.json: the run ended before the engine wrote one (status ${String(meta.status ?? '?')}, ${exit})`;
  } catch {
    return 'no summary.json and no readable run.json: not a finished run folder';
  }
}

/**
 * Reads every folder. A folder without summary.json (a run that failed early, exit 104…) is skipped with its
 * reason, so a glob over results/ still works; any other unusable folder stops with its own message.
 */
export async function loadFolders(paths: string[]): Promise<{ folders: RunFolder[]; skipped: SkippedFolder[] }> {
  const out: RunFolder[] = [];
  const skipped: SkippedFolder[] = [];
  for (const p of paths) {
    if ((await stat(p).catch(() => null))?.isDirectory() && !existsSync(path.join(p, 'summary.json'))) {
      skipped.push({ dir: p, reason: await whyNoSummary(p) });
      continue;
    }
    try {
      out.push(await readRunFolder(p));
    } catch (err) {
      throw new InputError((err as Error).message, { cause: err });
    }
  }
  const seen = new Set<string>();
  return { folders: out.filter((f) => (seen.has(f.dir) ? false : (seen.add(f.dir), true))), skipped };
}

/** "skipped results/x: no summary.json …", one line per skipped folder. */
export function skippedLines(skipped: readonly SkippedFolder[]): string[] {
  return skipped.map((s) => `skipped ${relative(s.dir)}: ${s.reason}`);
}

export function relative(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r.startsWith('..') ? p : r || '.';
}
