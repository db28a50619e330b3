// `npm run conformance:record`: runs every corpus case through real k6 (K6_BIN) against the test server and
// writes goldens/<case>/ (k6's version line, the command, raw stdout/stderr/files, exit code, normalised.json).
//   --only a,b      record only these cases
//   --into DIR      write there instead of goldens/ (the determinism test records into a temp folder)
//   --jobs N        cases at once (default 2)
//   --renormalise   recompute normalised.json from the committed raw files (no k6 needed)
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlagError, parseFlags, valueError } from '../../src/flags/flags.ts';
import { CASES, type ConformanceCase } from './cases.ts';
import { readGolden, writeGolden } from './goldens-io.ts';
import { normalise } from './normalise.ts';
import { caseArgs, GOLDENS_DIR, k6Engine, k6VersionLine, mapLimit, runCase, SCRIPTS_DIR, type Engine } from './run-case.ts';
import { startConformanceServer, type ConformanceServer } from './server.ts';

export const RECORDED_WITH = 'k6 v1.3.0';

/** The command line as stored in the golden: what differs per run replaced by placeholders. */
export function commandText(engine: Engine, c: ConformanceCase, server: ConformanceServer, tmp: string): string {
  return ['k6', ...caseArgs(engine, c, server, tmp)]
    .map((a) => a.replaceAll(server.base, '{BASE}').replaceAll(server.closedBase, '{CLOSED}').replaceAll(tmp, '{tmp}').replaceAll(SCRIPTS_DIR, '{scripts}'))
    .map((a) => (/[\s"'(){}$]/.test(a) && !/^[{][A-Za-z]+[}]/.test(a) ? JSON.stringify(a) : a))
    .join(' ');
}

/** Records `cases` with the k6 at `k6Bin` into `into`; returns the number of cases recorded. */
export async function recordGoldens(k6Bin: string, cases: readonly ConformanceCase[], into: string, jobs: number, log: (line: string) => void): Promise<void> {
  const version = k6VersionLine(k6Bin);
  if (!version) throw new Error(`K6_BIN=${k6Bin} is not a runnable k6 (\`${k6Bin} version\` failed); point it at a k6 v1.3.0 binary`);
  if (!version.startsWith(RECORDED_WITH)) log(`note: ${version} is not ${RECORDED_WITH}, the version the corpus documents`);
  const engine = k6Engine(k6Bin);
  const server = await startConformanceServer();
  try {
    await mapLimit(cases, jobs, async (c) => {
      const tmp = await mkdtemp(path.join(tmpdir(), 's2s-conformance-'));
      try {
        const started = performance.now();
        const raw = await runCase(engine, c, server, tmp);
        await writeGolden(path.join(into, c.name), { k6Version: version, command: commandText(engine, c, server, tmp), raw, normalised: normalise(raw) });
        log(`${c.name}: exit ${raw.exitCode ?? raw.signal} (${Math.round(performance.now() - started)} ms)`);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
  } finally {
    await server.close();
  }
}

const USAGE = `Usage: K6_BIN=/path/to/k6 npm run conformance:record [-- --only a,b] [--into DIR] [--jobs N] [--renormalise]

Records the conformance goldens with real k6 v1.3.0 (test/conformance/README.md).
  --only a,b      only these cases (names from test/conformance/cases.ts)
  --into DIR      where the goldens go (default: test/conformance/goldens)
  --jobs N        cases recorded at once (default 2)
  --renormalise   rewrite normalised.json from the recorded raw outputs; runs no k6
  -h, --help      this text`;

export interface RecordFlags {
  help: boolean;
  only: string[] | undefined;
  into: string;
  jobs: number;
  renormalise: boolean;
}

/** Parses and checks the flags; throws FlagError (one line). */
export function parseRecordFlags(argv: readonly string[]): RecordFlags {
  const { values } = parseFlags(argv, { only: { type: 'string' }, into: { type: 'string' }, jobs: { type: 'string' }, renormalise: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !CASES.some((c) => c.name === n)) ?? [];
  if (unknown.length > 0) throw valueError('only', values.only, `unknown case ${unknown.join(', ')}; the cases are listed in test/conformance/cases.ts`);
  const jobs = Number(values.jobs ?? '2');
  if (!Number.isInteger(jobs) || jobs < 1) throw valueError('jobs', values.jobs, 'must be a positive integer, e.g. --jobs 2');
  return { help: values.help ?? false, only, into: path.resolve(values.into ?? GOLDENS_DIR), jobs, renormalise: values.renormalise ?? false };
}

async function main(): Promise<number> {
  let flags: RecordFlags;
  try {
    flags = parseRecordFlags(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    console.error(`conformance:record: ${err.message}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const { only, into, jobs } = flags;
  const cases = only ? CASES.filter((c) => only.includes(c.name)) : CASES;
  const values = { renormalise: flags.renormalise };

  if (values.renormalise) {
    for (const c of cases) {
      const dir = path.join(into, c.name);
      const golden = await readGolden(dir);
      await writeGolden(dir, { ...golden, normalised: normalise(golden.raw) });
    }
    console.log(`renormalised ${cases.length} goldens in ${path.relative(process.cwd(), into) || '.'}`);
    return 0;
  }

  const k6Bin = process.env.K6_BIN;
  if (!k6Bin) {
    console.error('conformance:record needs real k6: set K6_BIN to a k6 v1.3.0 binary, e.g. K6_BIN=/path/to/k6 npm run conformance:record (see test/conformance/README.md)');
    return 2;
  }
  try {
    await recordGoldens(k6Bin, cases, into, jobs, (line) => console.log(line));
  } catch (err) {
    console.error(`conformance:record: ${(err as Error).message}`);
    return 1;
  }
  if (!only) {
    const names = new Set(cases.map((c) => c.name));
    for (const entry of await readdir(into)) {
      if (!names.has(entry)) {
        await rm(path.join(into, entry), { recursive: true, force: true });
        console.log(`removed ${entry}: no longer a case`);
      }
    }
  }
  console.log(`recorded ${cases.length} cases into ${path.relative(process.cwd(), into) || '.'}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('record.ts')) {
  process.exitCode = await main();
}
