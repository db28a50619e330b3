// `s2s compare` / `npm run compare -- <baseline> <candidate>`: the CI gate. Exit 0 no significant
// regression beyond the tolerance, 1 there is one, 2 bad input (missing folder, no common metrics).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BootStat } from '../results/stats.ts';
import { CompareInputError, compareSides, comparisonMarkdown, loadSide } from './compare.ts';
import { expandOperands, InputError, loadFolders } from './inputs.ts';

const USAGE = `Usage: npm run compare -- <baseline> <candidate> [--fail-on-regression 10%] [--metric s2s_latency_ms] [--stat p50|mean|p90|p99] [--out file.md]

Each side is a run folder, a glob ("results/*_local_probe") or a comma-separated list of them;
several runs on one side are pooled. Prints a Markdown table (for a pull-request comment): per
metric and sub-metric, the change of the statistic with its 95% bootstrap CI and a verdict.

  --fail-on-regression P  tolerated slowdown, e.g. 10% (default 0%): the gate fails when the 95% CI
                          of the relative change lies entirely above P
  --metric NAME           Trend metric to compare, with all its sub-metrics (default s2s_latency_ms)
  --stat S                p50 (default), mean, p90 or p99
  --seed N                bootstrap seed (default 24301)
  --out FILE              also write the Markdown to FILE

Exit codes: 0 no significant regression beyond the tolerance, 1 a significant regression beyond
the tolerance, 2 bad input (missing run folder, no summary.json, no common metrics, bad flag).`;

function fail(message: string): number {
  process.stderr.write(`s2s compare: ${message}\n`);
  return 2;
}

/** "10%" → 0.1; a bare number is read as percent too ("10" → 0.1). */
export function parseTolerance(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  return m ? Number(m[1]) / 100 : null;
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'fail-on-regression': { type: 'string' },
        metric: { type: 'string' },
        stat: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.positionals.length !== 2) return fail(`expected exactly two operands, <baseline> and <candidate>, got ${args.positionals.length}\n\n${USAGE}`);
  const tolerance = parseTolerance(v['fail-on-regression'] ?? '0%');
  if (tolerance === null) return fail(`--fail-on-regression "${v['fail-on-regression']}" is not a percentage: use e.g. 10%`);
  const stat = (v.stat ?? 'p50') as BootStat;
  if (!['p50', 'mean', 'p90', 'p99'].includes(stat)) return fail(`--stat "${v.stat}" is not one of p50, mean, p90, p99`);
  const seed = v.seed === undefined ? 24301 : Number(v.seed);
  if (!Number.isInteger(seed)) return fail(`--seed "${v.seed}" is not an integer`);
  const metric = v.metric ?? 's2s_latency_ms';
  try {
    const sides = await Promise.all(
      args.positionals.map(async (op, i) => {
        const parts = op.split(',').filter((s) => s.length > 0);
        const folders = await loadFolders(await expandOperands(parts));
        if (folders.length === 0) throw new InputError(`${i === 0 ? 'baseline' : 'candidate'} "${op}" names no run folder`);
        return loadSide(folders, metric);
      }),
    );
    const comparison = compareSides(sides[0]!, sides[1]!, { metric, stat, tolerance, seed });
    const md = comparisonMarkdown(comparison);
    process.stdout.write(md);
    if (v.out) await writeFile(v.out, md);
    return comparison.failed ? 1 : 0;
  } catch (err) {
    if (err instanceof InputError || err instanceof CompareInputError) return fail(err.message);
    throw err;
  }
}
