// `s2s collect` / `npm run collect -- <dir…>`: merge N runners' outputs, gate once, write a run folder.
import { parseArgs } from 'node:util';
import { parseThresholdFlag } from '../runner/thresholds.ts';
import { collect, CollectError, MANIFEST_FILE } from './collect.ts';

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

Exit code: 0 all thresholds passed, 99 a threshold was crossed, 2 bad input.`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        threshold: { type: 'string', multiple: true },
        'results-dir': { type: 'string', default: 'results' },
        platform: { type: 'string' },
        scenario: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`collect: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    process.stderr.write(`collect: give at least one folder with the runners' outputs\n\n${HELP}\n`);
    return 2;
  }
  try {
    const thresholds: Record<string, string[]> = {};
    for (const t of v.threshold ?? []) {
      const f = parseThresholdFlag(t);
      (thresholds[f.metric] ??= []).push(f.expression);
    }
    const r = await collect({
      inputs: parsed.positionals,
      resultsDir: v['results-dir'],
      thresholds,
      ...(v.platform ? { platform: v.platform } : {}),
      ...(v.scenario ? { scenario: v.scenario } : {}),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const crossed = r.meta.thresholds.filter((t) => !t.ok);
    process.stdout.write(`collected ${r.points} points from ${r.files.length} runner output(s) into ${r.dir}\n`);
    for (const t of r.meta.thresholds) process.stdout.write(`  ${t.ok ? '✓' : '✗'} ${t.metric} '${t.expression}'${t.observed == null ? '' : ` (${+t.observed.toFixed(4)})`}\n`);
    if (crossed.length) process.stderr.write(`thresholds on metrics '${[...new Set(crossed.map((t) => t.metric))].join(', ')}' have been crossed\n`);
    return r.exitCode;
  } catch (err) {
    if (err instanceof CollectError || (err as Error).name === 'ThresholdFlagError') {
      process.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}
