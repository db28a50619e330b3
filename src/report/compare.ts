// A regression check between two runs (or two sets of runs): per metric / sub-metric the change of
// one statistic with its 95% bootstrap CI, a verdict, and whether it fails the gate.
import { LatencyHistogram } from '../results/histogram.ts';
import { loadSamples, parseMetricKey, type RunFolder } from '../results/run-folder-read.ts';
import { bootstrapDiff, verdictOf, weightedFromHistogram, type BootStat, type DiffEstimate, type Verdict } from '../results/stats.ts';
import { renderMarkdown, type Block, type Table, type Tone } from './document.ts';
import { fmtDiffMs, fmtMs, fmtPct } from './format.ts';
import { settingDifferences } from './model.ts';

export interface CompareOptions {
  /** Trend metric to compare (all its sub-metrics too). */
  metric: string;
  stat: BootStat;
  /** Relative slowdown tolerated, 0.1 = 10%: the gate fails when the CI's lower bound exceeds it. */
  tolerance: number;
  seed: number;
}

export interface Side {
  folders: RunFolder[];
  /** Pooled histograms of all runs of this side, by metric key. */
  histograms: Map<string, LatencyHistogram>;
  /** Problems met while reading samples (malformed lines), shown as warnings. */
  problems: string[];
}

export interface CompareRow {
  key: string;
  baselineMs: number | null;
  candidateMs: number | null;
  estimate: DiffEstimate | null;
  verdict: Verdict | 'no CI';
  /** True when this row fails the gate (significant regression beyond the tolerance). */
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

/** Loads one side: pools the histograms of `metric` (and its sub-metrics) over all its runs. */
export async function loadSide(folders: RunFolder[], metric: string): Promise<Side> {
  const histograms = new Map<string, LatencyHistogram>();
  const problems: string[] = [];
  for (const f of folders) {
    if (!f.metricsPath) continue;
    const s = await loadSamples(f.metricsPath, { trendMetrics: new Set([metric]), subMetricKeys: Object.keys(f.summary.metrics) });
    if (s.problem) problems.push(`${f.meta?.id ?? f.name}: metrics.ndjson.gz: ${s.problem}`);
    for (const [key, h] of s.histograms) {
      const pooled = histograms.get(key);
      if (pooled) pooled.merge(h);
      else histograms.set(key, h);
    }
  }
  return { folders, histograms, problems };
}

const SUMMARY_STAT: Record<BootStat, string> = { mean: 'avg', p50: 'med', p90: 'p(90)', p99: 'p(99)' };

/** The statistic from summary.json when there are no samples (only meaningful for a single run). */
function summaryStat(side: Side, key: string, stat: BootStat): number | null {
  if (side.folders.length !== 1) return null;
  const v = side.folders[0]!.summary.metrics[key]?.values[SUMMARY_STAT[stat]];
  return typeof v === 'number' ? v : null;
}

function keysOf(side: Side, metric: string): Set<string> {
  const keys = new Set<string>();
  for (const k of side.histograms.keys()) if (parseMetricKey(k).name === metric) keys.add(k);
  for (const f of side.folders) for (const k of Object.keys(f.summary.metrics)) if (parseMetricKey(k).name === metric) keys.add(k);
  return keys;
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
  const rows: CompareRow[] = [];
  // Bonferroni: every row is a test; the whole table keeps a 95% family-wise level, so two runs of
  // the same config do not "regress" by chance on one of many sub-metrics.
  const level = 1 - 0.05 / common.length;
  for (const key of common) {
    const ha = baseline.histograms.get(key);
    const hb = candidate.histograms.get(key);
    if (ha && hb && ha.count >= 2 && hb.count >= 2) {
      const estimate = bootstrapDiff(weightedFromHistogram(ha), weightedFromHistogram(hb), options.stat, { seed: options.seed, level });
      if (estimate) {
        const verdict = verdictOf(estimate);
        const fails = verdict === 'regression' && estimate.relativeLow > options.tolerance;
        rows.push({ key, baselineMs: estimate.baselineMs, candidateMs: estimate.candidateMs, estimate, verdict, fails, note: null });
        continue;
      }
    }
    const why = !ha || !hb ? 'no CI: metrics.ndjson.gz missing on one side' : 'no CI: fewer than 2 samples on one side';
    rows.push({ key, baselineMs: summaryStat(baseline, key, options.stat), candidateMs: summaryStat(candidate, key, options.stat), estimate: null, verdict: 'no CI', fails: false, note: why });
  }
  const label = (side: string, f: RunFolder) => `${side} ${f.meta?.id ?? f.name}`;
  const warnings = settingDifferences([...baseline.folders.map((f) => ({ label: label('baseline', f), folder: f })), ...candidate.folders.map((f) => ({ label: label('candidate', f), folder: f }))]).map(
    (d) => `The compared runs used different ${d.key}: ${d.values.map((v) => `${v.run} = ${v.value}`).join(', ')}.`,
  );
  warnings.push(...baseline.problems, ...candidate.problems);
  if (rows.some((r) => r.estimate === null)) warnings.push('Some rows have no confidence interval (metrics.ndjson.gz missing or too few samples): they can never fail the gate.');
  return { options, baseline, candidate, rows, warnings, failed: rows.some((r) => r.fails) };
}

function ci(low: number, high: number, fmt: (x: number) => string): string {
  return `[${fmt(low)}, ${fmt(high)}]`;
}

/** Markdown for a pull-request comment. */
export function comparisonMarkdown(c: Comparison): string {
  const o = c.options;
  const statName = o.stat === 'p50' ? 'median' : o.stat;
  const ids = (s: Side) => s.folders.map((f) => `\`${f.meta?.id ?? f.name}\``).join(', ');
  const regressions = c.rows.filter((r) => r.verdict === 'regression');
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: `Latency comparison: ${o.metric} (${statName})` },
    c.failed
      ? { kind: 'text', tone: 'bad', text: `${c.rows.filter((r) => r.fails).length} significant regression(s) beyond ${fmtPct(o.tolerance)}: ${c.rows.filter((r) => r.fails).map((r) => r.key).join(', ')}` }
      : {
          kind: 'text',
          tone: 'ok',
          text: `No significant regression beyond ${fmtPct(o.tolerance)}${regressions.length ? ` (${regressions.length} significant but within tolerance)` : ''}.`,
        },
    { kind: 'text', text: `Baseline: ${ids(c.baseline)}. Candidate: ${ids(c.candidate)}.` },
    ...c.warnings.map((w): Block => ({ kind: 'text', tone: 'warn', text: w })),
  ];
  const tones: Array<Tone | undefined> = [];
  const table: Table = {
    headers: ['metric', `baseline ${statName}`, `candidate ${statName}`, 'Δ', 'CI of Δ', 'relative (CI)', 'verdict', 'gate'],
    rows: c.rows.map((r) => {
      const e = r.estimate;
      tones.push(r.fails ? 'bad' : r.verdict === 'regression' ? 'warn' : r.verdict === 'no CI' ? 'warn' : 'ok');
      return [
        `\`${r.key}\``,
        fmtMs(r.baselineMs),
        fmtMs(r.candidateMs),
        e ? fmtDiffMs(e.diffMs) : r.baselineMs !== null && r.candidateMs !== null ? fmtDiffMs(r.candidateMs - r.baselineMs) : '—',
        e ? ci(e.diffLowMs, e.diffHighMs, fmtDiffMs) : '—',
        e ? `${fmtPct(e.relative, true)} ${ci(e.relativeLow, e.relativeHigh, (x) => fmtPct(x, true))}` : '—',
        r.note ?? r.verdict,
        r.fails ? 'FAIL' : 'ok',
      ];
    }),
    tones,
  };
  blocks.push({ kind: 'table', table });
  blocks.push({
    kind: 'text',
    text: `CIs: ${c.rows.length > 1 ? `${fmtPct(c.rows[0]?.estimate?.level ?? 0.95)} each (Bonferroni over ${c.rows.length} rows, 95% for the whole table)` : '95%'}; percentile bootstrap, 1000 replicates (seed ${o.seed}), resampling HDR histograms of ${o.metric} from metrics.ndjson.gz (runs of a side pooled). "regression" = the CI of Δ lies above 0; the gate fails when the CI of the relative change lies entirely above ${fmtPct(o.tolerance)}. Calls are resampled as independent: machine load that drifts between or during runs is not in the CI, so pool several runs per side on noisy machines.`,
  });
  return renderMarkdown(blocks);
}
