// `s2s report` / `npm run report`: builds results/report/{index.html,report.md,*.svg} from run
// folders (default: the latest run of each platform/scenario under results/).
import path from 'node:path';
import { FlagError, parseFlags, valueError } from '../flags/flags.ts';
import { latestRunFolders } from '../results/run-folder-read.ts';
import { expandOperands, InputError, loadFolders, relative, skippedLines } from './inputs.ts';
import { viewRuns } from './model.ts';
import { buildReport, writeReport } from './report.ts';

const USAGE = `Usage: npm run report [-- <run folders or globs>...] [--out results/report] [--results results]

Builds a self-contained HTML report (index.html) and a Markdown report (report.md, with SVG charts
beside it) from run folders. Without folders: the latest run of each platform/scenario under --results.

  --out DIR       where to write the report (default: results/report)
  --results DIR   where to look for runs when no folder is given (default: results)
  --seed N        bootstrap seed (default 24301); the same runs and seed give the same report
  -h, --help      this text

A folder without summary.json (a run that failed before the engine wrote it) is skipped, with its
reason, and the rest is reported.

Exit codes: 0 written, 2 bad input (no usable run folder, unreadable summary.json).`;

export interface ReportFlags {
  help: boolean;
  operands: string[];
  resultsDir: string;
  outDir: string;
  seed: number;
}

/** Parses and checks the flags, reading nothing; throws FlagError (one line). */
export function parseReportFlags(argv: readonly string[]): ReportFlags {
  const { values, positionals } = parseFlags(argv, { out: { type: 'string' }, results: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, { positionals: Number.POSITIVE_INFINITY });
  const resultsDir = values.results ?? 'results';
  const seed = values.seed === undefined ? 24301 : Number(values.seed);
  if (!Number.isInteger(seed)) throw valueError('seed', values.seed, 'must be an integer');
  return { help: values.help ?? false, operands: positionals, resultsDir, outDir: values.out ?? path.join(resultsDir, 'report'), seed };
}

export async function main(argv: string[]): Promise<number> {
  let flags: ReportFlags;
  try {
    flags = parseReportFlags(argv);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`s2s report: ${err.message}\n`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { resultsDir, outDir, seed } = flags;
  try {
    const paths = flags.operands.length ? await expandOperands(flags.operands) : await latestRunFolders(resultsDir);
    if (paths.length === 0) {
      throw new InputError(`no run folders under ${resultsDir}/ (folders named <yyyymmddTHHMMSSZ>_<platform>_<scenario> with a summary.json): run \`npm run scenario:local\` first, or pass run folders`);
    }
    const { folders, skipped } = await loadFolders(paths);
    for (const line of skippedLines(skipped)) process.stderr.write(`s2s report: ${line}\n`);
    if (folders.length === 0) throw new InputError(`no usable run folder among ${paths.length} given (every one was skipped)`);
    const runs = await viewRuns(folders);
    const report = buildReport(runs, { seed, skipped });
    const written = await writeReport(report, outDir);
    process.stdout.write(`report of ${runs.length} run(s): ${runs.map((r) => r.id).join(', ')}\n`);
    for (const w of written) process.stdout.write(`  wrote ${relative(w)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`s2s report: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
