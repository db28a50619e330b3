// Turning command-line operands (run folders or globs) into loaded run folders, with errors that
// name the operand and the fix.
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

/** Reads every folder; a folder that cannot be used stops with its own message (InputError). */
export async function loadFolders(paths: string[]): Promise<RunFolder[]> {
  const out: RunFolder[] = [];
  for (const p of paths) {
    try {
      out.push(await readRunFolder(p));
    } catch (err) {
      throw new InputError((err as Error).message, { cause: err });
    }
  }
  const seen = new Set<string>();
  return out.filter((f) => (seen.has(f.dir) ? false : (seen.add(f.dir), true)));
}

export function relative(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r.startsWith('..') ? p : r || '.';
}
