// Reading and writing a case's golden folder: k6's version line, its raw outputs, and the normalised form.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Normalised } from './normalise.ts';
import type { RawResult } from './run-case.ts';

const RAW_FILES = {
  stdout: 'stdout.txt',
  stderr: 'stderr.txt',
  summary: 'summary.json',
  outJson: 'out.ndjson',
  summaryExport: 'summary-export.json',
} as const;

export interface Golden {
  k6Version: string;
  /** The command that recorded it, with {BASE}, {CLOSED}, {tmp} and {scripts} for what differs per run. */
  command: string;
  raw: RawResult;
  normalised: Normalised;
}

export async function writeGolden(dir: string, golden: Golden): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'k6-version.txt'), `${golden.k6Version}\n`);
  await writeFile(path.join(dir, 'command.txt'), `${golden.command}\n`);
  await writeFile(path.join(dir, 'exit-code.txt'), `${golden.raw.exitCode ?? `signal ${golden.raw.signal}`}\n`);
  for (const [key, file] of Object.entries(RAW_FILES)) {
    const text = golden.raw[key as keyof typeof RAW_FILES];
    if (text !== null && (text !== '' || key === 'stdout' || key === 'stderr')) await writeFile(path.join(dir, file), text);
  }
  await writeFile(path.join(dir, 'normalised.json'), `${JSON.stringify(golden.normalised, null, 2)}\n`);
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

export async function readGolden(dir: string): Promise<Golden> {
  const code = (await readFile(path.join(dir, 'exit-code.txt'), 'utf8')).trim();
  const raw: RawResult = {
    exitCode: /^\d+$/.test(code) ? Number(code) : null,
    signal: code.startsWith('signal ') ? code.slice(7) : null,
    stdout: (await readOrNull(path.join(dir, RAW_FILES.stdout))) ?? '',
    stderr: (await readOrNull(path.join(dir, RAW_FILES.stderr))) ?? '',
    summary: await readOrNull(path.join(dir, RAW_FILES.summary)),
    outJson: await readOrNull(path.join(dir, RAW_FILES.outJson)),
    summaryExport: await readOrNull(path.join(dir, RAW_FILES.summaryExport)),
  };
  return {
    k6Version: (await readFile(path.join(dir, 'k6-version.txt'), 'utf8')).trim(),
    command: ((await readOrNull(path.join(dir, 'command.txt'))) ?? '').trim(),
    raw,
    normalised: JSON.parse(await readFile(path.join(dir, 'normalised.json'), 'utf8')) as Normalised,
  };
}
