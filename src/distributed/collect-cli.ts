// `s2s collect` / `npm run collect -- <dir…>`: merge N runners' outputs, gate once, write a run folder.
import { FlagError, parseFlags } from '../flags/flags.ts';
import { parseThresholdFlag, ThresholdFlagError, type ThresholdFlag } from '../runner/thresholds.ts';
import { collect, CollectError, CollectThresholdError, MANIFEST_FILE } from './collect.ts';

const HELP = `Usage: npm run collect -- <folder or file>… [flags]

Merges the --out json files (*.ndjson, *.ndjson.gz) that N k6 runners wrote (e.g. a distributed run on the
k6-operator, copied down with \`gcloud storage cp -r gs://<bucket>/<run> .\`) into one HDR histogram per metric and
sub-metric, evaluates the thresholds once over all samples, and writes a normal run folder (report/compare work on it).
Thresholds and labels come from ${MANIFEST_FILE} (written by \`npm run distributed\`) when it is in the folder.

Flags:
  --threshold <metric=expr>   add a threshold, repeatable: 's2s_latency_ms=p(95)<20'
  --results-dir <dir>         where the run folder goes (default: results)
  --platform <name>           label when there is no ${MANIFEST_FILE} (default: distributed)
  --scenario <name>           label when there is no ${MANIFEST_FILE} (default: collected)
  -h, --help                  this help

Exit code: 0 all thresholds passed, 99 a threshold was crossed, 104 an invalid --threshold, 2 bad input.`;

export interface CollectFlags {
  help: boolean;
  inputs: string[];
  thresholds: ThresholdFlag[];
  resultsDir: string;
  platform: string | undefined;
  scenario: string | undefined;
}

/** Parses and checks the flags, reading nothing; throws FlagError (ThresholdFlagError for a bad threshold). */
export function parseCollectFlags(argv: readonly string[]): CollectFlags {
  const { values: v, positionals } = parseFlags(
    argv,
    {
      threshold: { type: 'string', multiple: true },
      'results-dir': { type: 'string', default: 'results' },
      platform: { type: 'string' },
      scenario: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { positionals: Number.POSITIVE_INFINITY },
  );
  const help = v.help ?? false;
  if (!help && positionals.length === 0) throw new FlagError("give at least one folder with the runners' outputs; run with --help for the flags");
  // Any metric: the runners' outputs may come from any k6 script.
  const thresholds = (v.threshold ?? []).map((t) => parseThresholdFlag(t));
  return { help, inputs: positionals, thresholds, resultsDir: v['results-dir'] ?? 'results', platform: v.platform, scenario: v.scenario };
}

export async function main(argv: string[]): Promise<number> {
  let flags: CollectFlags;
  try {
    flags = parseCollectFlags(argv);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`collect: ${err.message}\n`);
    return err instanceof ThresholdFlagError ? 104 : 2;
  }
  if (flags.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  try {
    const thresholds: Record<string, string[]> = {};
    for (const f of flags.thresholds) (thresholds[f.metric] ??= []).push(f.expression);
    const r = await collect({
      inputs: flags.inputs,
      resultsDir: flags.resultsDir,
      thresholds,
      ...(flags.platform ? { platform: flags.platform } : {}),
      ...(flags.scenario ? { scenario: flags.scenario } : {}),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const crossed = r.meta.thresholds.filter((t) => !t.ok);
    process.stdout.write(`collected ${r.points} points from ${r.files.length} runner output(s) into ${r.dir}\n`);
    for (const t of r.meta.thresholds) process.stdout.write(`  ${t.ok ? '✓' : '✗'} ${t.metric} '${t.expression}'${t.observed == null ? '' : ` (${+t.observed.toFixed(4)})`}\n`);
    if (crossed.length) process.stderr.write(`thresholds on metrics '${[...new Set(crossed.map((t) => t.metric))].join(', ')}' have been crossed\n`);
    return r.exitCode;
  } catch (err) {
    if (err instanceof CollectError) {
      process.stderr.write(`${(err as Error).message}\n`);
      return err instanceof CollectThresholdError ? 104 : 2;
    }
    throw err;
  }
}
