// `s2s compare` / `npm run compare -- <baseline> <candidate>`: the CI gate. Exit 0 no regression beyond the
// minimum effect, 1 there is one, 2 bad input (missing folder, no common metrics, bad flag).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BootStat } from '../results/stats.ts';
import { CompareInputError, compareSides, comparisonMarkdown, DEFAULT_MIN_EFFECT, loadSide } from './compare.ts';
import { expandOperands, InputError, loadFolders, skippedLines } from './inputs.ts';

const USAGE = `Usage: npm run compare -- <baseline> <candidate> [--min-effect 25%] [--min-effect-ms 1] [--metric s2s_latency_ms] [--stat p50|mean|p90|p99] [--out file.md]

Each side is a run folder, a glob ("results/*_local_probe") or a comma-separated list of them. A run
is one observation: each run gives the statistic per metric and sub-metric. With 2 or more runs per
side (npm run scenario:local -- --repeat 5) the CI of the change comes from the spread between runs;
with one run per side it comes from that run's calls, and the minimum effect carries the gate.
A regression is a significant slowdown larger than the minimum effect (relative AND absolute); the
Markdown (for a pull-request comment) says which case applied and what was assumed. Folders without
summary.json (failed runs) are skipped with their reason. Mixed scenarios or settings are warned about.

  --min-effect P          smallest relative slowdown that can be a regression (default ${DEFAULT_MIN_EFFECT.relative * 100}%)
  --min-effect-ms MS      smallest absolute slowdown that can be a regression (default ${DEFAULT_MIN_EFFECT.absoluteMs} ms)
  --fail-on-regression P  the same as --min-effect (older name)
  --metric NAME           Trend metric to compare, with all its sub-metrics (default s2s_latency_ms)
  --stat S                p50 (default), mean, p90 or p99
  --seed N                bootstrap seed (default 24301)
  --out FILE              also write the Markdown to FILE

Exit codes: 0 no regression beyond the minimum effect, 1 a regression beyond it, 2 bad input
(missing run folder, no usable run on a side, no common metrics, bad flag).`;

function fail(message: string): number {
  process.stderr.write(`s2s compare: ${message}\n`);
  return 2;
}

/** "10%" → 0.1; a bare number is read as percent too ("10" → 0.1). */
export function parseTolerance(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  return m ? Number(m[1]) / 100 : null;
}

/** "1", "1ms", "0.5 ms" → ms. */
export function parseMs(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms)?\s*$/.exec(text);
  return m ? Number(m[1]) : null;
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'min-effect': { type: 'string' },
        'min-effect-ms': { type: 'string' },
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
  const relFlag = v['min-effect'] !== undefined ? 'min-effect' : v['fail-on-regression'] !== undefined ? 'fail-on-regression' : null;
  const relative = relFlag ? parseTolerance(v[relFlag] ?? '') : DEFAULT_MIN_EFFECT.relative;
  if (relative === null) return fail(`--${relFlag} "${v[relFlag!]}" is not a percentage: use e.g. 25%`);
  const absoluteMs = v['min-effect-ms'] !== undefined ? parseMs(v['min-effect-ms']) : DEFAULT_MIN_EFFECT.absoluteMs;
  if (absoluteMs === null) return fail(`--min-effect-ms "${v['min-effect-ms']}" is not a number of ms: use e.g. 1 or 0.5ms`);
  const stat = (v.stat ?? 'p50') as BootStat;
  if (!['p50', 'mean', 'p90', 'p99'].includes(stat)) return fail(`--stat "${v.stat}" is not one of p50, mean, p90, p99`);
  const seed = v.seed === undefined ? 24301 : Number(v.seed);
  if (!Number.isInteger(seed)) return fail(`--seed "${v.seed}" is not an integer`);
  const metric = v.metric ?? 's2s_latency_ms';
  const defaultMinEffect = relFlag === null && v['min-effect-ms'] === undefined;
  try {
    const sides = await Promise.all(
      args.positionals.map(async (op, i) => {
        const name = i === 0 ? 'baseline' : 'candidate';
        const parts = op.split(',').filter((s) => s.length > 0);
        const { folders, skipped } = await loadFolders(await expandOperands(parts));
        for (const line of skippedLines(skipped)) process.stderr.write(`s2s compare: ${name}: ${line}\n`);
        if (folders.length === 0) throw new InputError(`${name} "${op}" names no usable run folder${skipped.length ? ` (${skipped.length} skipped)` : ''}`);
        return { side: await loadSide(folders, metric, stat), skipped };
      }),
    );
    const comparison = compareSides(sides[0]!.side, sides[1]!.side, { metric, stat, minEffect: { relative, absoluteMs }, defaultMinEffect, seed });
    for (const [i, s] of sides.entries()) {
      for (const line of skippedLines(s.skipped)) comparison.warnings.push(`${i === 0 ? 'baseline' : 'candidate'}: ${line}`);
    }
    const md = comparisonMarkdown(comparison);
    process.stdout.write(md);
    if (v.out) await writeFile(v.out, md);
    return comparison.failed ? 1 : 0;
  } catch (err) {
    if (err instanceof InputError || err instanceof CompareInputError) return fail(err.message);
    throw err;
  }
}
