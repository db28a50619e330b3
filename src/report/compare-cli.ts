// `s2s compare` / `npm run compare -- <baseline> <candidate>`: the CI gate. Exit 0 no regression beyond the
// minimum effect, 99 there is one (a gate failed, as a crossed threshold), 2 bad input (missing folder, no common metrics, bad flag).
import { writeFile } from 'node:fs/promises';

/** A regression beyond the minimum effect: the same code as a crossed threshold (a gate failed), never 1 (a tool failure). */
export const EXIT_REGRESSION = 99;
import { FlagError, parseFlags, valueError } from '../flags/flags.ts';
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

Exit codes: 0 no regression beyond the minimum effect, 99 a regression beyond it, 2 bad input
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

export interface CompareFlags {
  help: boolean;
  /** Baseline and candidate, as given (folders, globs or comma lists). */
  operands: string[];
  minEffect: { relative: number; absoluteMs: number };
  /** Neither --min-effect (--fail-on-regression) nor --min-effect-ms given: the output says the default applied. */
  defaultMinEffect: boolean;
  stat: BootStat;
  seed: number;
  metric: string;
  out: string | null;
}

/** Parses and checks the flags, reading nothing; throws FlagError (one line). */
export function parseCompareFlags(argv: readonly string[]): CompareFlags {
  const { values: v, positionals } = parseFlags(
    argv,
    {
      'min-effect': { type: 'string' },
      'min-effect-ms': { type: 'string' },
      'fail-on-regression': { type: 'string' },
      metric: { type: 'string' },
      stat: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { positionals: 2 },
  );
  const help = v.help ?? false;
  if (!help && positionals.length !== 2) throw new FlagError(`expected exactly two operands, <baseline> and <candidate>, got ${positionals.length}; run with --help for the flags`);
  const relFlag = v['min-effect'] !== undefined ? 'min-effect' : v['fail-on-regression'] !== undefined ? 'fail-on-regression' : null;
  const relative = relFlag ? parseTolerance(v[relFlag] ?? '') : DEFAULT_MIN_EFFECT.relative;
  if (relative === null) throw valueError(relFlag!, v[relFlag!], 'must be a percentage, e.g. 25%');
  const absoluteMs = v['min-effect-ms'] !== undefined ? parseMs(v['min-effect-ms']) : DEFAULT_MIN_EFFECT.absoluteMs;
  if (absoluteMs === null) throw valueError('min-effect-ms', v['min-effect-ms'], 'must be a number of ms, e.g. 1 or 0.5ms');
  const stat = (v.stat ?? 'p50') as BootStat;
  if (!['p50', 'mean', 'p90', 'p99'].includes(stat)) throw valueError('stat', v.stat, 'must be one of p50, mean, p90, p99');
  const seed = v.seed === undefined ? 24301 : Number(v.seed);
  if (!Number.isInteger(seed)) throw valueError('seed', v.seed, 'must be an integer');
  return {
    help,
    operands: positionals,
    minEffect: { relative, absoluteMs },
    defaultMinEffect: relFlag === null && v['min-effect-ms'] === undefined,
    stat,
    seed,
    metric: v.metric ?? 's2s_latency_ms',
    out: v.out ?? null,
  };
}

export async function main(argv: string[]): Promise<number> {
  let flags: CompareFlags;
  try {
    flags = parseCompareFlags(argv);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    return fail(err.message);
  }
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { stat, seed, metric, defaultMinEffect } = flags;
  try {
    const sides = await Promise.all(
      flags.operands.map(async (op, i) => {
        const name = i === 0 ? 'baseline' : 'candidate';
        const parts = op.split(',').filter((s) => s.length > 0);
        const { folders, skipped } = await loadFolders(await expandOperands(parts));
        for (const line of skippedLines(skipped)) process.stderr.write(`s2s compare: ${name}: ${line}\n`);
        if (folders.length === 0) throw new InputError(`${name} "${op}" names no usable run folder${skipped.length ? ` (${skipped.length} skipped)` : ''}`);
        return { side: await loadSide(folders, metric, stat), skipped };
      }),
    );
    const comparison = compareSides(sides[0]!.side, sides[1]!.side, { metric, stat, minEffect: flags.minEffect, defaultMinEffect, seed });
    for (const [i, s] of sides.entries()) {
      for (const line of skippedLines(s.skipped)) comparison.warnings.push(`${i === 0 ? 'baseline' : 'candidate'}: ${line}`);
    }
    const md = comparisonMarkdown(comparison);
    process.stdout.write(md);
    if (flags.out) await writeFile(flags.out, md);
    return comparison.failed ? EXIT_REGRESSION : 0;
  } catch (err) {
    if (err instanceof InputError || err instanceof CompareInputError) return fail(err.message);
    throw err;
  }
}
