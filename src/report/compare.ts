// A regression gate between two sets of runs, built on run-to-run variation: per metric / sub-metric, each
// run gives one value of the statistic (a run is one observation). With several runs per side the CI of the
// change comes from those values (Welch on logs); with one run per side — the usual CI case — there is no
// run-to-run variation to measure, so a stated minimum effect (relative and absolute) guards the gate: a
// change smaller than it is never a regression. The output says which case applied and what was assumed.
import type { LatencyHistogram } from '../results/histogram.ts';
import { loadSamples, parseMetricKey, type RunFolder } from '../results/run-folder-read.ts';
import { bootstrapDiff, runLevelDiff, weightedFromHistogram, type BootStat } from '../results/stats.ts';
import { renderMarkdown, type Block, type Table, type Tone } from './document.ts';
import { fmtDiffMsNum, fmtMs, fmtMsNum, fmtPct } from './format.ts';
import { settingDifferences } from './model.ts';

/** Below both of these a change is not a regression, however significant. */
export interface MinEffect {
  /** Relative slowdown, 0.25 = +25%. */
  relative: number;
  /** Absolute slowdown, ms. */
  absoluteMs: number;
}

/**
 * The default minimum effect: +25% and +1 ms, both. Measured on the local probe (`npm run bench -- --only gate`,
 * BENCHMARKS.md): 20 pairs of runs of the same build on a shared 2-core machine moved pong-sec's warm p50 by at
 * most 86 µs (issue 14 saw +0.36 ms under heavier load), while a 2 ms pong delay moves it by 2 ms or more; 1 ms
 * sits between, and 25% keeps noise on fast targets out.
 */
export const DEFAULT_MIN_EFFECT: Readonly<MinEffect> = Object.freeze({ relative: 0.25, absoluteMs: 1 });

export interface CompareOptions {
  /** Trend metric to compare (all its sub-metrics too). */
  metric: string;
  stat: BootStat;
  minEffect: MinEffect;
  /** True when minEffect is the default (the output says so). */
  defaultMinEffect: boolean;
  seed: number;
}

export interface Side {
  folders: RunFolder[];
  /** Per run, the statistic of each metric key (from summary.json, else from the run's samples). */
  perRun: Array<{ id: string; values: Map<string, number> }>;
  /** Pooled histograms of all runs of this side, by metric key (for the within-run CI of single runs). */
  histograms: Map<string, LatencyHistogram>;
  /** Problems met while reading samples (malformed lines), shown as warnings. */
  problems: string[];
}

/** How a row's CI was obtained. */
export type CiMethod = 'runs' | 'calls' | 'none';

export type RowVerdict = 'regression' | 'slower, below the minimum effect' | 'improvement' | 'within noise' | 'no data';

export interface CompareRow {
  key: string;
  baselineMs: number | null;
  candidateMs: number | null;
  diffMs: number | null;
  relative: number | null;
  ci: { level: number; diffLowMs: number; diffHighMs: number; relativeLow: number; relativeHigh: number } | null;
  method: CiMethod;
  runs: { baseline: number; candidate: number };
  verdict: RowVerdict;
  /** True when this row fails the gate (a significant slowdown beyond the minimum effect). */
  fails: boolean;
  note: string | null;
}

export interface Comparison {
  options: CompareOptions;
  baseline: Side;
  candidate: Side;
  rows: CompareRow[];
  warnings: string[];
  failed: boolean;
}

export class CompareInputError extends Error {}

const SUMMARY_STAT: Record<BootStat, string> = { mean: 'avg', p50: 'med', p90: 'p(90)', p99: 'p(99)' };

function histogramStat(h: LatencyHistogram, stat: BootStat): number | null {
  if (h.count === 0) return null;
  return stat === 'mean' ? h.meanMs : h.percentileMs(stat === 'p50' ? 50 : stat === 'p90' ? 90 : 99);
}

/** Loads one side: the statistic per run and key, and the pooled histograms of `metric` (and its sub-metrics). */
export async function loadSide(folders: RunFolder[], metric: string, stat: BootStat): Promise<Side> {
  const histograms = new Map<string, LatencyHistogram>();
  const problems: string[] = [];
  const perRun: Side['perRun'] = [];
  for (const f of folders) {
    const values = new Map<string, number>();
    for (const [key, m] of Object.entries(f.summary.metrics)) {
      const v = m.values[SUMMARY_STAT[stat]];
      // A sub-metric without samples reports 0: not a value of the statistic.
      if (parseMetricKey(key).name === metric && typeof v === 'number' && m.values.count !== 0) values.set(key, v);
    }
    if (f.metricsPath) {
      const s = await loadSamples(f.metricsPath, { trendMetrics: new Set([metric]), subMetricKeys: Object.keys(f.summary.metrics) });
      if (s.problem) problems.push(`${f.meta?.id ?? f.name}: metrics.ndjson.gz: ${s.problem}`);
      for (const [key, h] of s.histograms) {
        if (!values.has(key)) {
          const v = histogramStat(h, stat);
          if (v !== null) values.set(key, v);
        }
        const pooled = histograms.get(key);
        if (pooled) pooled.merge(h);
        else histograms.set(key, h);
      }
    }
    perRun.push({ id: f.meta?.id ?? f.name, values });
  }
  return { folders, perRun, histograms, problems };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function keysOf(side: Side, metric: string): Set<string> {
  const keys = new Set<string>();
  for (const r of side.perRun) for (const k of r.values.keys()) if (parseMetricKey(k).name === metric) keys.add(k);
  return keys;
}

function verdictOf(significant: boolean | null, diffMs: number, relative: number, min: MinEffect): RowVerdict {
  const beyond = Math.abs(relative) > min.relative && Math.abs(diffMs) > min.absoluteMs;
  if (significant === false) return 'within noise';
  if (diffMs > 0) return beyond ? 'regression' : 'slower, below the minimum effect';
  return beyond ? 'improvement' : 'within noise';
}

function compareKey(key: string, baseline: Side, candidate: Side, o: CompareOptions, level: number): CompareRow {
  const a = baseline.perRun.flatMap((r) => (r.values.has(key) ? [r.values.get(key)!] : []));
  const b = candidate.perRun.flatMap((r) => (r.values.has(key) ? [r.values.get(key)!] : []));
  const runs = { baseline: a.length, candidate: b.length };
  const empty = { key, baselineMs: null, candidateMs: null, diffMs: null, relative: null, ci: null, runs };
  if (a.length === 0 || b.length === 0) return { ...empty, method: 'none', verdict: 'no data', fails: false, note: `no ${o.stat} of this key in ${a.length === 0 ? 'the baseline' : 'the candidate'}` };
  const byRuns = runLevelDiff(a, b, level);
  if (byRuns) {
    const verdict = verdictOf(byRuns.significant, byRuns.diffMs, byRuns.relative, o.minEffect);
    const ci = { level, diffLowMs: byRuns.diffLowMs, diffHighMs: byRuns.diffHighMs, relativeLow: byRuns.relativeLow, relativeHigh: byRuns.relativeHigh };
    return { key, baselineMs: byRuns.baselineMs, candidateMs: byRuns.candidateMs, diffMs: byRuns.diffMs, relative: byRuns.relative, ci, method: 'runs', runs, verdict, fails: verdict === 'regression', note: null };
  }
  // One run on a side: the run's own calls give a CI (too narrow for run-to-run drift: the minimum effect guards).
  const baseMs = median(a);
  const candMs = median(b);
  const ha = baseline.histograms.get(key);
  const hb = candidate.histograms.get(key);
  const boot = ha && hb && ha.count >= 2 && hb.count >= 2 ? bootstrapDiff(weightedFromHistogram(ha), weightedFromHistogram(hb), o.stat, { seed: o.seed, level }) : null;
  const diffMs = candMs - baseMs;
  const relative = baseMs > 0 ? candMs / baseMs - 1 : Number.NaN;
  const verdict = verdictOf(boot ? boot.significant : null, diffMs, relative, o.minEffect);
  const ci = boot ? { level, diffLowMs: boot.diffLowMs, diffHighMs: boot.diffHighMs, relativeLow: boot.relativeLow, relativeHigh: boot.relativeHigh } : null;
  const note = boot ? null : 'no CI (metrics.ndjson.gz missing on a side): judged on the minimum effect alone';
  return { key, baselineMs: baseMs, candidateMs: candMs, diffMs, relative, ci, method: boot ? 'calls' : 'none', runs, verdict, fails: verdict === 'regression', note };
}

/** Where the compared runs differ in what they measured: each difference is a warning (or a reason to skip). */
function comparability(baseline: Side, candidate: Side): string[] {
  const all = [...baseline.folders.map((f) => ({ side: 'baseline', f })), ...candidate.folders.map((f) => ({ side: 'candidate', f }))];
  const label = (x: (typeof all)[number]) => `${x.side} ${x.f.meta?.id ?? x.f.name}`;
  const warnings: string[] = [];
  for (const field of ['scenario', 'platform'] as const) {
    const values = all.map((x) => ({ run: label(x), value: x.f.meta?.[field] ?? /^\d{8}T\d{6}Z_([a-z0-9-]+)_([a-z0-9-]+)$/.exec(x.f.name)?.[field === 'platform' ? 1 : 2] ?? '?' }));
    if (new Set(values.map((v) => v.value)).size > 1) {
      warnings.push(`The compared runs measure different ${field}s: ${values.map((v) => `${v.run} = ${v.value}`).join(', ')}. A difference may come from that, not from the change under test.`);
    }
  }
  const engines = new Set(all.map((x) => x.f.meta?.engine.name).filter((e) => e !== undefined));
  if (engines.size > 1) warnings.push(`The compared runs used different engines (${[...engines].join(', ')}): the outer hop is measured differently.`);
  warnings.push(
    ...settingDifferences(all.map((x) => ({ label: label(x), folder: x.f }))).map(
      (d) => `The compared runs used different ${d.key}: ${d.values.map((v) => `${v.run} = ${v.value}`).join(', ')}.`,
    ),
  );
  return warnings;
}

export function compareSides(baseline: Side, candidate: Side, options: CompareOptions): Comparison {
  const a = keysOf(baseline, options.metric);
  const b = keysOf(candidate, options.metric);
  const common = [...a].filter((k) => b.has(k)).sort((x, y) => (x === options.metric ? -1 : y === options.metric ? 1 : x.localeCompare(y)));
  if (common.length === 0) {
    const names = (s: Set<string>) => (s.size ? [...s].join(', ') : 'none');
    throw new CompareInputError(
      `no common metrics to compare: "${options.metric}" keys in the baseline: ${names(a)}; in the candidate: ${names(b)}. Pick another --metric, or runs of the same scenario.`,
    );
  }
  // Bonferroni: every row is a test; the whole table keeps a 95% family-wise level.
  const level = 1 - 0.05 / common.length;
  const rows = common.map((key) => compareKey(key, baseline, candidate, options, level));
  const warnings = comparability(baseline, candidate);
  warnings.push(...baseline.problems, ...candidate.problems);
  return { options, baseline, candidate, rows, warnings, failed: rows.some((r) => r.fails) };
}

function ci(low: number, high: number, fmt: (x: number) => string): string {
  return `[${fmt(low)}, ${fmt(high)}]`;
}

function minEffectText(o: CompareOptions): string {
  return `${fmtPct(o.minEffect.relative, true)} and +${fmtMs(o.minEffect.absoluteMs)}${o.defaultMinEffect ? ' (default; --min-effect, --min-effect-ms)' : ''}`;
}

/** What the gate assumed, in words: which CI, from what, and the minimum effect. */
export function gateAssumptions(c: Comparison): string {
  const o = c.options;
  const nb = c.baseline.folders.length;
  const nc = c.candidate.folders.length;
  const methods = new Set(c.rows.map((r) => r.method));
  const parts = [`Gate: a regression is a slowdown of the ${o.stat === 'p50' ? 'median' : o.stat} that is significant and larger than the minimum effect, ${minEffectText(o)}; anything smaller is never a regression.`];
  parts.push(`Runs: ${nb} baseline, ${nc} candidate; a run is one observation.`);
  if (methods.has('runs')) parts.push('With 2 or more runs per side, the CI comes from the spread between runs (Welch t on log values, Bonferroni over the rows): run-to-run variation is in it.');
  if (methods.has('calls'))
    parts.push(
      `With one run on a side there is no run-to-run variation to measure: the CI comes from that run's calls (percentile bootstrap, 1000 replicates, seed ${o.seed}) and is narrower than the drift between runs, so the minimum effect carries the gate. Run \`--repeat N\` on each side for a CI that includes it.`,
    );
  if (methods.has('none')) parts.push('Rows without any CI (no metrics.ndjson.gz with a single run) are judged on the minimum effect alone.');
  return parts.join(' ');
}

/** Markdown for a pull-request comment. */
export function comparisonMarkdown(c: Comparison): string {
  const o = c.options;
  const statName = o.stat === 'p50' ? 'median' : o.stat;
  const ids = (s: Side) => s.folders.map((f) => `\`${f.meta?.id ?? f.name}\``).join(', ');
  const slower = c.rows.filter((r) => r.verdict === 'slower, below the minimum effect');
  const failing = c.rows.filter((r) => r.fails);
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: `Latency comparison: ${o.metric} (${statName})` },
    c.failed
      ? { kind: 'text', tone: 'bad', text: `${failing.length} regression(s) beyond the minimum effect (${minEffectText(o)}): ${failing.map((r) => r.key).join(', ')}` }
      : {
          kind: 'text',
          tone: 'ok',
          text: `No regression beyond the minimum effect (${minEffectText(o)})${slower.length ? `; ${slower.length} significant slowdown(s) smaller than it` : ''}.`,
        },
    { kind: 'text', text: `Baseline: ${ids(c.baseline)}. Candidate: ${ids(c.candidate)}.` },
    ...c.warnings.map((w): Block => ({ kind: 'text', tone: 'warn', text: w })),
  ];
  const tones: Array<Tone | undefined> = [];
  const table: Table = {
    headers: ['metric', 'verdict', 'gate', `baseline ${statName} (ms)`, `candidate ${statName} (ms)`, 'Δ (ms)', 'relative', 'CI of Δ (ms)', 'CI of relative', 'CI from', 'runs'],
    rows: c.rows.map((r) => {
      tones.push(r.fails ? 'bad' : r.verdict === 'regression' || r.verdict === 'slower, below the minimum effect' || r.verdict === 'no data' ? 'warn' : 'ok');
      return [
        `\`${r.key}\``,
        r.verdict,
        r.fails ? 'FAIL' : 'ok',
        fmtMsNum(r.baselineMs),
        fmtMsNum(r.candidateMs),
        fmtDiffMsNum(r.diffMs),
        fmtPct(r.relative, true),
        r.ci ? ci(r.ci.diffLowMs, r.ci.diffHighMs, fmtDiffMsNum) : '—',
        r.ci ? ci(r.ci.relativeLow, r.ci.relativeHigh, (x) => fmtPct(x, true)) : '—',
        r.method === 'runs' ? 'runs' : r.method === 'calls' ? 'calls (1 run)' : (r.note ?? '—'),
        `${r.runs.baseline} / ${r.runs.candidate}`,
      ];
    }),
    tones,
  };
  blocks.push({ kind: 'table', table });
  blocks.push({ kind: 'text', text: gateAssumptions(c) });
  return renderMarkdown(blocks);
}
