// The report itself: turns run views into document blocks and writes index.html, report.md and the SVG files.
// Layout rules (issue 14): key columns first in every table (status, errors, n, verdict, relative), one unit per
// column (the header says it), comparisons only between comparable things (the rest listed with the reason),
// one section per run holding its own threshold table and its own latency-over-time panel.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pairKey, type SummaryMetric } from '../results/run-folder-read.ts';
import { renderHtml, renderMarkdown, type Block, type Chart, type Table, type Tone } from './document.ts';
import { fmtBytes, fmtCount, fmtDiffMsNum, fmtMsNum, fmtPct, fmtPerSecond } from './format.ts';
import type { SkippedFolder } from './inputs.ts';
import {
  differences,
  pairLabel,
  pairRow,
  pairsOf,
  PHASES,
  settingDifferences,
  thresholdsOf,
  WARM,
  type Difference,
  type RunView,
  type SkippedDifference,
  type StatValue,
  type ThresholdRow,
} from './model.ts';
import { cdfChart, phasesChart, timeChart, type CdfSeries, type PhaseBar, type TimeSeries } from './plots.ts';
import { pairsOf as seriesPairs, trendSeries } from '../results/timeseries.ts';

/** A stat in ms (the column header carries the unit), marked * when it comes from our histogram, not k6's summary. */
function sv(v: StatValue): string {
  return v.value === null ? '—' : v.from === 'samples' ? `${fmtMsNum(v.value)}*` : fmtMsNum(v.value);
}

function safeName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_-]+/g, '_');
}

function runsBlock(runs: RunView[], skipped: readonly SkippedFolder[]): Block[] {
  const rows = runs.map((r) => {
    const m = r.folder.meta;
    return [
      r.label,
      m ? `${m.status}${m.exitCode === null ? '' : ` (exit ${m.exitCode})`}` : '?',
      r.scenario,
      r.folder.metricsPath ? 'yes' : 'no',
      m ? `${m.engine.name} ${m.engine.version}` : '?',
      m?.startedAt ?? '?',
      m?.group ? `${m.group.id} (${m.group.index}/${m.group.of})` : '—',
      `\`${r.id}\``,
      m?.git.commit ? `\`${m.git.commit.slice(0, 12)}\`${m.git.dirty ? ' (dirty)' : ''}` : '?',
      m ? `${m.host.hostname} (${m.host.os}/${m.host.arch}, ${m.host.cpus} cpu, node ${m.host.node})` : '?',
    ];
  });
  const tones = runs.map((r): Tone | undefined => (r.folder.meta?.status === 'passed' ? undefined : 'warn'));
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Runs' },
    { kind: 'table', table: { headers: ['run', 'status', 'scenario', 'samples', 'engine', 'started (UTC)', 'group (--repeat)', 'id', 'git commit', 'where'], rows, tones } },
  ];
  for (const s of skipped) blocks.push({ kind: 'text', tone: 'warn', text: `Skipped ${s.dir}: ${s.reason}.` });
  for (const r of runs) {
    const m = r.folder.meta;
    if (r.folder.metaProblem) blocks.push({ kind: 'text', tone: 'warn', text: `${r.id}: ${r.folder.metaProblem} — engine, config and git commit are unknown for this run.` });
    for (const e of m?.serviceExits ?? []) {
      blocks.push({ kind: 'text', tone: 'bad', text: `${r.label}: ${e.name} (pid ${e.pid}) exited ${e.afterSec} s into the run (${e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`}): its calls after that are errors.` });
    }
    for (const line of m?.recordingProblems ?? []) blocks.push({ kind: 'text', tone: 'warn', text: `${r.label}: ${line}` });
    if (m) blocks.push({ kind: 'details', summary: `config of ${r.label} (${r.id})`, code: JSON.stringify(m.config, null, 2) });
  }
  const diffs = settingDifferences(runs.map((r) => ({ label: r.label, folder: r.folder })));
  for (const d of diffs) {
    blocks.push({ kind: 'text', tone: 'warn', text: `These runs used different ${d.key}: ${d.values.map((v) => `${v.run} = ${v.value}`).join(', ')}. Differences below may come from that, not from the platform.` });
  }
  return blocks;
}

function pairTable(runs: RunView[]): Block[] {
  const headers = [
    'run',
    'source → target',
    'n (warm)',
    'errors',
    'p50 (ms)',
    'p90 (ms)',
    'p99 (ms)',
    'warm mean (ms)',
    'max (ms)',
    'first call median (ms)',
    'first call max (ms)',
    'batches',
    'cold',
    ...PHASES.map((p) => `${p.label} (ms)`),
    'mean of all calls (ms)',
    'auth',
  ];
  const rows: string[][] = [];
  const tones: Array<Tone | undefined> = [];
  for (const run of runs) {
    for (const pair of pairsOf(run)) {
      const r = pairRow(run, pair);
      const errors = r.errors ? `${r.errors.failed}/${r.errors.total}${r.errors.total ? ` (${fmtPct(r.errors.failed / r.errors.total)})` : ''}` : '—';
      rows.push([
        run.label,
        pairLabel(pair),
        r.warm.n.value === null ? '—' : fmtCount(r.warm.n.value),
        errors,
        sv(r.warm.p50Ms),
        sv(r.warm.p90Ms),
        sv(r.warm.p99Ms),
        sv(r.warm.meanMs),
        sv(r.warm.maxMs),
        sv(r.first.medMs),
        sv(r.first.maxMs),
        r.first.n.value === null ? '—' : fmtCount(r.first.n.value),
        r.first.cold ? `${r.first.cold.cold}/${r.first.cold.of}` : '—',
        ...r.phasesMs.map((p) => sv(p.value)),
        fmtMsNum(r.allMeanMs),
        r.auth ?? '—',
      ]);
      tones.push(r.errors && r.errors.failed > 0 ? 'warn' : undefined);
    }
  }
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Service-to-service latency' }];
  if (rows.length === 0) {
    blocks.push({
      kind: 'text',
      tone: 'info',
      text: `No source → target pairs: these runs have no \`${WARM}\`/\`s2s_first_ms\` metrics tagged with target (scenario sub-metrics like \`${pairKey(WARM, 'local', 'pong-sec')}\`). See "All metrics" below.`,
    });
    return blocks;
  }
  blocks.push({
    kind: 'text',
    text: 'All times in ms. Warm calls: calls 2..n of each batch. First call: one per batch — its median and max over the batches, how many there were and how many were cold (token fetch + new TCP + full TLS, as observed); phases are means. "Mean of all calls" is how the original post averaged (first and warm together). Values marked * come from metrics.ndjson.gz samples (HDR histogram, ±0.1%) where summary.json lacks that statistic; "—" means the run did not record it.',
  });
  blocks.push({ kind: 'table', table: { headers, rows, tones } });
  return blocks;
}

function ciText(low: number, high: number, fmt: (x: number) => string): string {
  return `[${fmt(low)}, ${fmt(high)}]`;
}

function differencesBlock(diffs: { compared: Difference[]; skipped: SkippedDifference[] }): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Differences (95% bootstrap CIs on warm calls)' }];
  const table = (list: Difference[]): Table => {
    const rows: string[][] = [];
    const tones: Array<Tone | undefined> = [];
    for (const d of list) {
      for (const e of d.estimates) {
        rows.push([
          d.title,
          e.significant ? `significant (${e.verdict === 'regression' ? 'slower' : 'faster'})` : 'within noise',
          `${fmtPct(e.relative, true)} ${ciText(e.relativeLow, e.relativeHigh, (x) => fmtPct(x, true))}`,
          fmtDiffMsNum(e.diffMs),
          ciText(e.diffLowMs, e.diffHighMs, fmtDiffMsNum),
          e.stat === 'p50' ? 'median' : 'mean',
          `${fmtMsNum(e.baselineMs)} → ${fmtMsNum(e.candidateMs)}`,
          d.baseline,
          d.candidate,
        ]);
        tones.push(e.significant ? 'bad' : 'ok');
      }
    }
    return { headers: ['comparison', 'verdict', 'relative (95% CI)', 'Δ (ms)', '95% CI of Δ (ms)', 'statistic', 'baseline → candidate (ms)', 'baseline', 'candidate'], rows, tones };
  };
  if (diffs.compared.length === 0) blocks.push({ kind: 'text', tone: 'info', text: 'Nothing compared: differences need two targets in a run, or the same target in two comparable runs, with metrics.ndjson.gz.' });
  else {
    blocks.push({
      kind: 'text',
      text: 'Percentile bootstrap (1000 replicates, seeded: the same runs give the same report) resampling each side\'s HDR histogram of warm calls. "significant" = the 95% CI of the difference excludes 0. The resampling treats calls as independent: drift between runs is not in these intervals, so gate releases with `npm run compare` (runs as observations, `--repeat N`, a minimum effect).',
    });
    const general = diffs.compared.filter((d) => d.kind !== 'mesh');
    if (general.length) blocks.push({ kind: 'table', table: table(general) });
    const mesh = diffs.compared.filter((d) => d.kind === 'mesh');
    blocks.push({ kind: 'heading', level: 3, text: 'Mesh cost (sidecar / ambient / no mesh)' });
    if (mesh.length) blocks.push({ kind: 'table', table: table(mesh) });
    else blocks.push({ kind: 'text', tone: 'info', text: 'No comparable runs that differ in `config.settings.mesh` (sidecar, ambient, none): run the GKE scenario in each mesh mode to see the mesh cost.' });
  }
  if (diffs.skipped.length) {
    blocks.push({ kind: 'text', tone: 'info', text: `Not compared: ${diffs.skipped.map((s) => `${s.title} — ${s.reason}`).join('; ')}.` });
  }
  return blocks;
}

function fmtValue(m: SummaryMetric, stat: string, v: number): string {
  if (m.type === 'trend') return m.contains === 'time' && stat !== 'count' ? fmtMsNum(v) : fmtCount(v);
  if (m.type === 'rate') return stat === 'rate' ? fmtPct(v) : fmtCount(v);
  if (m.type === 'counter') {
    if (m.contains === 'data') return stat === 'count' ? fmtBytes(v) : `${fmtBytes(v)}/s`;
    return stat === 'rate' ? fmtPerSecond(v) : fmtCount(v);
  }
  return m.contains === 'time' ? fmtMsNum(v) : m.contains === 'data' ? fmtBytes(v) : fmtCount(v);
}

/** The observed value a threshold expression tests (`p(95)<20` → values['p(95)']), formatted with its unit. */
function observedText(t: ThresholdRow): string {
  if (t.noSamples) return 'no samples';
  const m = t.run.folder.summary.metrics[t.metric];
  const agg = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)/.exec(t.expression)?.[1];
  const v = m && agg !== undefined && typeof m.values[agg] === 'number' ? m.values[agg] : t.observed;
  if (v === null || v === undefined) return '—';
  if (!m) return fmtCount(v);
  const text = fmtValue(m, agg ?? 'value', v);
  return m.type === 'trend' && m.contains === 'time' && agg !== 'count' ? `${text} ms` : text;
}

function verdictText(t: ThresholdRow): string {
  if (t.noSamples && t.ok) return 'no samples';
  return t.ok ? 'pass' : 'FAIL';
}

/** One threshold table of one run: verdict first. */
function thresholdTable(rows: ThresholdRow[]): Table | null {
  if (rows.length === 0) return null;
  return {
    headers: ['verdict', 'metric', 'threshold', 'observed'],
    rows: rows.map((t) => [verdictText(t), `\`${t.metric}\``, `\`${t.expression}\``, observedText(t)]),
    tones: rows.map((t) => (!t.ok ? 'bad' : t.noSamples ? 'warn' : 'ok')),
  };
}

function distributionBlocks(runs: RunView[]): { blocks: Block[]; charts: Chart[] } {
  const blocks: Block[] = [];
  const charts: Chart[] = [];
  const multi = runs.length > 1;
  blocks.push({ kind: 'heading', level: 2, text: 'Warm-call latency distribution' });
  const targets = [...new Set(runs.flatMap((r) => pairsOf(r).map((p) => p.target)))].sort();
  if (targets.length === 0) blocks.push({ kind: 'text', tone: 'info', text: `No \`${WARM}\` samples tagged with a target in these runs: no distribution to draw.` });
  for (const target of targets) {
    const series: CdfSeries[] = runs.flatMap((run) =>
      pairsOf(run)
        .filter((p) => p.target === target)
        .map((p) => ({ label: multi ? `${run.label}: ${pairLabel(p)}` : pairLabel(p), buckets: run.samples?.histograms.get(pairKey(WARM, p.source, p.target))?.buckets() ?? [] })),
    );
    const chart = cdfChart(`cdf-${safeName(target)}.svg`, `Warm-call latency CDF → ${target}`, series);
    charts.push(chart);
    blocks.push({ kind: 'chart', chart });
  }
  blocks.push({ kind: 'heading', level: 2, text: 'First-call phases' });
  const bars: PhaseBar[] = [];
  for (const run of runs) {
    for (const pair of pairsOf(run)) {
      const r = pairRow(run, pair);
      for (const p of r.phasesMs) if (p.value.value !== null) bars.push({ label: multi ? `${run.label}: ${pairLabel(pair)}` : pairLabel(pair), phase: p.label, ms: p.value.value });
    }
  }
  const phases = phasesChart('phases.svg', 'First call, by phase (mean over batches)', bars, PHASES.map((p) => p.label));
  charts.push(phases);
  blocks.push({ kind: 'chart', chart: phases });
  return { blocks, charts };
}

/** One section per run: its threshold verdicts and its own latency-over-time panel (each run its own time axis). */
function perRunBlocks(runs: RunView[]): { blocks: Block[]; charts: Chart[] } {
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Per run: thresholds and latency over time' }];
  const charts: Chart[] = [];
  runs.forEach((run, i) => {
    blocks.push({ kind: 'heading', level: 3, text: `${run.label} — \`${run.id}\`` });
    const t = thresholdTable(thresholdsOf(run));
    blocks.push(t ? { kind: 'table', caption: 'Thresholds', table: t } : { kind: 'text', tone: 'info', text: 'No thresholds were set in this run.' });
    // The shared per-period format (from metrics.ndjson.gz, else the run's timeseries.json): the dashboard's too.
    const series: TimeSeries[] = [];
    if (run.series) {
      for (const pair of seriesPairs(run.series, WARM)) {
        const points = trendSeries(run.series, pairKey(WARM, pair.source, pair.target), 'meanMs').map((p) => ({ tS: p.tS, meanMs: p.value }));
        series.push({ label: pair.label, points });
      }
    }
    const file = runs.length === 1 ? 'latency-over-time.svg' : `latency-over-time-${i + 1}-${safeName(run.label)}.svg`;
    const chart = timeChart(file, `Mean warm-call latency per time bucket${runs.length === 1 ? '' : ` — ${run.label}`}`, series);
    charts.push(chart);
    blocks.push({ kind: 'chart', chart });
  });
  return { blocks, charts };
}

/** Every metric of every summary.json, by type, with its thresholds: works on any k6 script's run. */
function allMetricsBlock(runs: RunView[]): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'All metrics (summary.json)' }];
  for (const run of runs) {
    blocks.push({ kind: 'heading', level: 3, text: `${run.label} — \`${run.id}\`` });
    const metrics = Object.entries(run.folder.summary.metrics).sort(([a], [b]) => a.localeCompare(b));
    // Trends split by unit so that every column of a table holds one unit.
    const groups: Array<{ caption: string; of: Array<[string, SummaryMetric]>; trend: boolean }> = [
      { caption: 'trends (time, ms)', of: metrics.filter(([, m]) => m.type === 'trend' && m.contains === 'time'), trend: true },
      { caption: 'trends (values)', of: metrics.filter(([, m]) => m.type === 'trend' && m.contains !== 'time'), trend: true },
      { caption: 'rates', of: metrics.filter(([, m]) => m.type === 'rate'), trend: false },
      { caption: 'counters', of: metrics.filter(([, m]) => m.type === 'counter'), trend: false },
      { caption: 'gauges', of: metrics.filter(([, m]) => m.type === 'gauge'), trend: false },
      { caption: 'other', of: metrics.filter(([, m]) => !['trend', 'rate', 'counter', 'gauge'].includes(m.type)), trend: false },
    ];
    for (const g of groups) {
      if (g.of.length === 0) continue;
      const stats: string[] = [];
      for (const [, m] of g.of) for (const k of Object.keys(m.values)) if (!stats.includes(k)) stats.push(k);
      if (g.trend) {
        const order = run.folder.summary.options?.summaryTrendStats ?? [];
        stats.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
      }
      const rows = g.of.map(([name, m]) => [
        `\`${name}\``,
        ...stats.map((s) => (typeof m.values[s] === 'number' ? fmtValue(m, s, m.values[s]) : '—')),
        Object.entries(m.thresholds ?? {}).map(([e, t]) => `${t.ok ? '✅' : '❌'} \`${e}\``).join(' ') || '—',
      ]);
      blocks.push({ kind: 'table', caption: g.caption, table: { headers: ['metric', ...stats, 'thresholds'], rows } });
    }
    const missing = [WARM, 's2s_first_ms', ...PHASES.map((p) => p.metric), 's2s_errors', 's2s_calls'].filter((m) => !run.folder.summary.metrics[m]);
    if (missing.length) blocks.push({ kind: 'text', tone: 'info', text: `Not in this run: ${missing.map((m) => `\`${m}\``).join(', ')} (a k6 script other than this project's scenarios, or a scenario that does not measure them).` });
    if (run.samples?.problem) blocks.push({ kind: 'text', tone: 'warn', text: `${run.label}: metrics.ndjson.gz: ${run.samples.problem}.` });
    if (run.seriesProblem) blocks.push({ kind: 'text', tone: 'warn', text: `${run.label}: ${run.seriesProblem}.` });
    if (!run.folder.metricsPath) {
      const over = run.series ? 'latency over time comes from timeseries.json (the dashboard\'s per-period series)' : 'latency over time needs metrics.ndjson.gz or timeseries.json';
      blocks.push({ kind: 'text', tone: 'info', text: `${run.label}: no metrics.ndjson.gz — the statistics above are shown and ${over}, but CDFs and bootstrap CIs need metrics.ndjson.gz (the scenario runner writes it unless \`--no-out-ndjson\`).` });
    }
  }
  return blocks;
}

export interface BuiltReport {
  markdown: string;
  html: string;
  charts: Chart[];
  blocks: Block[];
}

export function buildReport(runs: RunView[], opts: { generatedAt?: Date; seed?: number; skipped?: readonly SkippedFolder[] } = {}): BuiltReport {
  const title = runs.length === 1 ? `s2s-latency report — ${runs[0]!.id}` : `s2s-latency report — ${runs.length} runs`;
  const diffs = differences(runs, opts.seed);
  const dist = distributionBlocks(runs);
  const perRun = perRunBlocks(runs);
  const allThresholds = runs.flatMap(thresholdsOf);
  const failed = allThresholds.filter((t) => !t.ok);
  const empty = allThresholds.filter((t) => t.ok && t.noSamples);
  const summaryLine: Block = failed.length
    ? { kind: 'text', tone: 'bad', text: `${failed.length} threshold(s) crossed: ${failed.map((t) => `${t.run.label} ${t.metric} ${t.expression}`).join('; ')}` }
    : { kind: 'text', tone: allThresholds.length ? 'ok' : 'info', text: allThresholds.length ? `All ${allThresholds.length - empty.length} thresholds with samples passed.` : 'No thresholds were set.' };
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: title },
    { kind: 'text', text: `Generated ${(opts.generatedAt ?? new Date()).toISOString()} from ${runs.length} run folder(s).` },
    summaryLine,
    ...(empty.length ? [{ kind: 'text', tone: 'warn', text: `${empty.length} threshold(s) tested a sub-metric that got no sample (nothing measured, not a pass): ${empty.map((t) => `${t.run.label} ${t.metric}`).join('; ')}` } as Block] : []),
    ...runsBlock(runs, opts.skipped ?? []),
    ...pairTable(runs),
    ...differencesBlock(diffs),
    ...dist.blocks,
    ...perRun.blocks,
    ...allMetricsBlock(runs),
  ];
  return { markdown: renderMarkdown(blocks), html: renderHtml(title, blocks), charts: [...dist.charts, ...perRun.charts], blocks };
}

/** Writes index.html, report.md and the SVG charts into `outDir`. Returns the written paths. */
export async function writeReport(report: BuiltReport, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, text: string) => {
    const p = path.join(outDir, name);
    await writeFile(p, text);
    written.push(p);
  };
  await put('index.html', report.html);
  await put('report.md', report.markdown);
  for (const c of report.charts) if (c.svg) await put(c.file, c.svg);
  return written;
}
