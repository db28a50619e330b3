// `npm run build`: type-check scenarios/ (k6 types only, no Node types) and bundle them into build/*.js.
import { FlagError, parseFlags } from '../flags/flags.ts';
import { buildScenarios, describeBuild, TypeCheckError } from './build.ts';

const USAGE = `Usage: npm run build [-- --help]

Type-checks scenarios/ against @types/k6 (no Node types: nothing from Node may leak into a k6 script) and
bundles each scenario with esbuild into build/<scenario>.js (ESM, k6 and k6/* external). The runner only
re-bundles when stale; this is the command that gates the types (CI runs it through npm run typecheck too).

Exit codes: 0 built, 1 a type error or a bundling error (the message names the file and line), 2 a bad flag.`;

/** Parses the flags (only --help); throws FlagError (one line). */
export function parseBuildFlags(argv: readonly string[]): { help: boolean } {
  const { values } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } });
  return { help: values.help ?? false };
}

export async function main(argv: string[]): Promise<number> {
  let flags: { help: boolean };
  try {
    flags = parseBuildFlags(argv);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`build: ${err.message}\n`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    process.stdout.write(`${describeBuild(await buildScenarios())}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`build: ${err instanceof TypeCheckError ? err.message : (err as Error).message}\n`);
    return 1;
  }
}
