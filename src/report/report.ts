// The report itself: turns run views into document blocks (tables, charts with the threshold
// verdicts they gate, warnings) and writes index.html, report.md and the SVG files.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pairKey, parseMetricKey, type SummaryMetric } from '../results/run-folder-read.ts';
import { renderHtml, renderMarkdown, type Block, type Chart, type Table, type Tone } from './document.ts';
import { fmtBytes, fmtCount, fmtDiffMs, fmtMs, fmtPct, fmtPerSecond } from './format.ts';
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
  type StatValue,
  type ThresholdRow,
} from './model.ts';
import { cdfChart, phasesChart, timeChart, type CdfSeries, type PhaseBar, type TimeSeries } from './plots.ts';
import { pairsOf as seriesPairs, trendSeries } from '../results/timeseries.ts';

/** A stat with a mark when it comes from our histogram rather than k6's summary. */
function sv(v: StatValue): string {
  return v.value === null ? '—' : v.from === 'samples' ? `${fmtMs(v.value)}*` : fmtMs(v.value);
}

function runsBlock(runs: RunView[]): Block[] {
  const rows = runs.map((r) => {
    const m = r.folder.meta;
    return [
      r.label,
      `\`${r.id}\``,
      r.scenario,
      m ? `${m.engine.name} ${m.engine.version}` : '?',
      m?.git.commit ? `\`${m.git.commit.slice(0, 12)}\`${m.git.dirty ? ' (dirty)' : ''}` : '?',
      m?.startedAt ?? '?',
      m ? `${m.host.hostname} (${m.host.os}/${m.host.arch}, ${m.host.cpus} cpu, node ${m.host.node})` : '?',
      m ? `${m.status}${m.exitCode === null ? '' : ` (exit ${m.exitCode})`}` : '?',
      r.folder.metricsPath ? 'yes' : 'no',
    ];
  });
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Runs' },
    { kind: 'table', table: { headers: ['run', 'id', 'scenario', 'engine', 'git commit', 'started (UTC)', 'where', 'status', 'samples'], rows } },
  ];
  for (const r of runs) {
    if (r.folder.metaProblem) blocks.push({ kind: 'text', tone: 'warn', text: `${r.id}: ${r.folder.metaProblem} — engine, config and git commit are unknown for this run.` });
    if (r.folder.meta) blocks.push({ kind: 'details', summary: `config of ${r.label} (${r.id})`, code: JSON.stringify(r.folder.meta.config, null, 2) });
  }
  const diffs = settingDifferences(runs.map((r) => ({ label: r.label, folder: r.folder })));
  for (const d of diffs) {
    blocks.push({ kind: 'text', tone: 'warn', text: `These runs used different ${d.key}: ${d.values.map((v) => `${v.run} = ${v.value}`).join(', ')}. Differences below may come from that, not from the platform.` });
  }
  return blocks;
}

function pairTable(runs: RunView[]): Block[] {
  const headers = ['run', 'source → target', 'auth', 'first call', ...PHASES.map((p) => p.label), 'mean of all calls', 'warm mean', 'p50', 'p90', 'p99', 'max', 'errors', 'n (warm)'];
  const rows: string[][] = [];
  for (const run of runs) {
    for (const pair of pairsOf(run)) {
      const r = pairRow(run, pair);
      const errors = r.errors ? `${r.errors.failed}/${r.errors.total}${r.errors.total ? ` (${fmtPct(r.errors.failed / r.errors.total)})` : ''}` : '—';
      rows.push([
        run.label,
        pairLabel(pair),
        r.auth ?? '—',
        sv(r.firstMs),
        ...r.phasesMs.map((p) => sv(p.value)),
        fmtMs(r.allMeanMs),
        sv(r.warm.meanMs),
        sv(r.warm.p50Ms),
        sv(r.warm.p90Ms),
        sv(r.warm.p99Ms),
        sv(r.warm.maxMs),
        errors,
        r.warm.n.value === null ? '—' : fmtCount(r.warm.n.value),
      ]);
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
    text: 'First call: total and its phases (means). Warm calls: calls 2..n of each batch. "Mean of all calls" is how the original post averaged (first and warm together). Values marked * come from metrics.ndjson.gz samples (HDR histogram, ±0.1%) where summary.json lacks that statistic; "—" means the run did not record it.',
  });
  blocks.push({ kind: 'table', table: { headers, rows } });
  return blocks;
}

function ciText(low: number, high: number, fmt: (x: number) => string): string {
  return `[${fmt(low)}, ${fmt(high)}]`;
}

function differencesBlock(diffs: Difference[]): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Differences (95% bootstrap CIs on warm calls)' }];
  if (diffs.length === 0) {
    blocks.push({ kind: 'text', tone: 'info', text: 'Nothing to compare: differences need two targets in a run or the same target in two runs.' });
    return blocks;
  }
  const table = (list: Difference[]): Table => {
    const rows: string[][] = [];
    const tones: Array<Tone | undefined> = [];
    for (const d of list) {
      if (d.missing) {
        rows.push([d.title, d.baseline, d.candidate, '—', '—', '—', '—', '—', `no CI: ${d.missing}`]);
        tones.push('warn');
        continue;
      }
      for (const e of d.estimates) {
        rows.push([
          d.title,
          d.baseline,
          d.candidate,
          e.stat === 'p50' ? 'median' : 'mean',
          `${fmtMs(e.baselineMs)} → ${fmtMs(e.candidateMs)}`,
          fmtDiffMs(e.diffMs),
          ciText(e.diffLowMs, e.diffHighMs, fmtDiffMs),
          `${fmtPct(e.relative, true)} ${ciText(e.relativeLow, e.relativeHigh, (x) => fmtPct(x, true))}`,
          e.significant ? `significant (${e.verdict === 'regression' ? 'slower' : 'faster'})` : 'within noise',
        ]);
        tones.push(e.significant ? 'bad' : 'ok');
      }
    }
    return { headers: ['comparison', 'baseline', 'candidate', 'statistic', 'values', 'Δ', '95% CI of Δ', 'relative (95% CI)', 'verdict'], rows, tones };
  };
  blocks.push({
    kind: 'text',
    text: 'Percentile bootstrap (1000 replicates, seeded: the same runs give the same report) resampling each side\'s HDR histogram of warm calls. "significant" = the 95% CI of the difference excludes 0. The resampling treats calls as independent: load that drifts during a run makes the intervals too narrow, so compare runs made under the same conditions (or pool several runs per side with `npm run compare`).',
  });
  const general = diffs.filter((d) => d.kind !== 'mesh');
  if (general.length) blocks.push({ kind: 'table', table: table(general) });
  blocks.push({ kind: 'heading', level: 3, text: 'Mesh cost (sidecar / ambient / no mesh)' });
  const mesh = diffs.filter((d) => d.kind === 'mesh');
  if (mesh.length) blocks.push({ kind: 'table', table: table(mesh) });
  else blocks.push({ kind: 'text', tone: 'info', text: 'No runs that differ in `config.settings.mesh` (sidecar, ambient, none): run the GKE scenario in each mesh mode to see the mesh cost.' });
  return blocks;
}

/** The observed value a threshold expression tests (`p(95)<20` → values['p(95)']), formatted. */
function observedText(t: ThresholdRow): string {
  const m = t.run.folder.summary.metrics[t.metric];
  const agg = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)/.exec(t.expression)?.[1];
  const fromSummary = m && agg !== undefined ? m.values[agg] : undefined;
  if (m && agg !== undefined && typeof fromSummary === 'number') return fmtValue(m, agg, fromSummary);
  return t.observed === null ? '—' : m ? fmtValue(m, agg ?? 'value', t.observed) : fmtCount(t.observed);
}

function thresholdTable(rows: ThresholdRow[], withRun: boolean): Table | null {
  if (rows.length === 0) return null;
  return {
    headers: [...(withRun ? ['run'] : []), 'metric', 'threshold', 'observed', 'verdict'],
    rows: rows.map((t) => [...(withRun ? [t.run.label] : []), `\`${t.metric}\``, `\`${t.expression}\``, observedText(t), t.ok ? 'pass' : 'FAIL']),
    tones: rows.map((t) => (t.ok ? 'ok' : 'bad')),
  };
}

function gated(runs: RunView[], metrics: string[]): ThresholdRow[] {
  return runs.flatMap(thresholdsOf).filter((t) => metrics.includes(parseMetricKey(t.metric).name));
}

function chartsBlock(runs: RunView[]): { blocks: Block[]; charts: Chart[] } {
  const blocks: Block[] = [];
  const charts: Chart[] = [];
  const multi = runs.length > 1;
  // Latency distribution per target
  blocks.push({ kind: 'heading', level: 2, text: 'Warm-call latency distribution' });
  const targets = [...new Set(runs.flatMap((r) => pairsOf(r).map((p) => p.target)))].sort();
  const latencyGates = gated(runs, [WARM, 's2s_errors']);
  if (targets.length === 0) {
    blocks.push({ kind: 'text', tone: 'info', text: `No \`${WARM}\` samples tagged with a target in these runs: no distribution to draw.` });
  }
  for (const target of targets) {
    const series: CdfSeries[] = runs.flatMap((run) =>
      pairsOf(run)
        .filter((p) => p.target === target)
        .map((p) => ({ label: multi ? `${run.label}: ${pairLabel(p)}` : pairLabel(p), buckets: run.samples?.histograms.get(pairKey(WARM, p.source, p.target))?.buckets() ?? [] })),
    );
    const safe = target.replace(/[^a-zA-Z0-9_-]/g, '_');
    const chart = cdfChart(`cdf-${safe}.svg`, `Warm-call latency CDF → ${target}`, series);
    charts.push(chart);
    const gates = latencyGates.filter((t) => parseMetricKey(t.metric).tags.target === target || parseMetricKey(t.metric).tags.target === undefined);
    blocks.push({ kind: 'chart', chart, side: { caption: `Thresholds on ${WARM} / s2s_errors`, table: thresholdTable(gates, multi), empty: 'No threshold gates these metrics.' } });
  }
  // First-request phases
  blocks.push({ kind: 'heading', level: 2, text: 'First-request phases' });
  const bars: PhaseBar[] = [];
  for (const run of runs) {
    for (const pair of pairsOf(run)) {
      const r = pairRow(run, pair);
      for (const p of r.phasesMs) if (p.value.value !== null) bars.push({ label: multi ? `${run.label}: ${pairLabel(pair)}` : pairLabel(pair), phase: p.label, ms: p.value.value });
    }
  }
  const phases = phasesChart('phases.svg', 'First call, by phase (mean)', bars, PHASES.map((p) => p.label));
  charts.push(phases);
  blocks.push({
    kind: 'chart',
    chart: phases,
    side: { caption: 'Thresholds on the first call', table: thresholdTable(gated(runs, ['s2s_first_ms', ...PHASES.map((p) => p.metric)]), multi), empty: 'No threshold gates the first call.' },
  });
  // Latency over time
  blocks.push({ kind: 'heading', level: 2, text: 'Warm-call latency over time' });
  const series: TimeSeries[] = [];
  for (const run of runs) {
    if (!run.series) continue;
    for (const pair of seriesPairs(run.series, WARM)) {
      const points = trendSeries(run.series, pairKey(WARM, pair.source, pair.target), 'meanMs').map((p) => ({ tS: p.tS, meanMs: p.value }));
      series.push({ label: multi ? `${run.label}: ${pair.label}` : pair.label, points });
    }
  }
  const time = timeChart('latency-over-time.svg', 'Mean warm-call latency per time bucket', series);
  charts.push(time);
  blocks.push({ kind: 'chart', chart: time });
  return { blocks, charts };
}

function fmtValue(m: SummaryMetric, stat: string, v: number): string {
  if (m.type === 'trend') return m.contains === 'time' && stat !== 'count' ? fmtMs(v) : fmtCount(v);
  if (m.type === 'rate') return stat === 'rate' ? fmtPct(v) : fmtCount(v);
  if (m.type === 'counter') {
    if (m.contains === 'data') return stat === 'count' ? fmtBytes(v) : `${fmtBytes(v)}/s`;
    return stat === 'rate' ? fmtPerSecond(v) : fmtCount(v);
  }
  return m.contains === 'time' ? fmtMs(v) : m.contains === 'data' ? fmtBytes(v) : fmtCount(v);
}

/** Every metric of every summary.json, by type, with its thresholds: works on any k6 script's run. */
function allMetricsBlock(runs: RunView[]): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'All metrics (summary.json)' }];
  for (const run of runs) {
    blocks.push({ kind: 'heading', level: 3, text: `${run.label} — \`${run.id}\`` });
    const metrics = Object.entries(run.folder.summary.metrics).sort(([a], [b]) => a.localeCompare(b));
    const types = ['trend', 'rate', 'counter', 'gauge'];
    for (const type of [...types, ...new Set(metrics.map(([, m]) => m.type).filter((t) => !types.includes(t)))]) {
      const of = metrics.filter(([, m]) => m.type === type);
      if (of.length === 0) continue;
      const stats: string[] = [];
      for (const [, m] of of) for (const k of Object.keys(m.values)) if (!stats.includes(k)) stats.push(k);
      if (type === 'trend') {
        const order = run.folder.summary.options?.summaryTrendStats ?? [];
        stats.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
      }
      const rows = of.map(([name, m]) => [
        `\`${name}\``,
        ...stats.map((s) => (typeof m.values[s] === 'number' ? fmtValue(m, s, m.values[s]) : '—')),
        Object.entries(m.thresholds ?? {}).map(([e, t]) => `${t.ok ? '✅' : '❌'} \`${e}\``).join(' ') || '—',
      ]);
      blocks.push({ kind: 'table', caption: `${type}s`, table: { headers: ['metric', ...stats, 'thresholds'], rows } });
    }
    const missing = [WARM, 's2s_first_ms', ...PHASES.map((p) => p.metric), 's2s_errors', 's2s_calls'].filter((m) => !run.folder.summary.metrics[m]);
    if (missing.length) blocks.push({ kind: 'text', tone: 'info', text: `Not in this run: ${missing.map((m) => `\`${m}\``).join(', ')} (a k6 script other than this project's scenarios, or a scenario that does not measure them).` });
    if (run.samples?.problem) blocks.push({ kind: 'text', tone: 'warn', text: `${run.label}: metrics.ndjson.gz: ${run.samples.problem}.` });
    if (run.seriesProblem) blocks.push({ kind: 'text', tone: 'warn', text: `${run.label}: ${run.seriesProblem}.` });
    if (!run.folder.metricsPath) {
      const over = run.series ? 'latency over time comes from timeseries.json (the dashboard\'s per-period series)' : 'latency over time needs metrics.ndjson.gz or timeseries.json';
      blocks.push({ kind: 'text', tone: 'info', text: `${run.label}: no metrics.ndjson.gz — the statistics above are shown and ${over}, but CDFs and bootstrap CIs need metrics.ndjson.gz (the scenario runner writes it for \`probe\`; pass \`--out-ndjson\` for \`load\`).` });
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

export function buildReport(runs: RunView[], opts: { generatedAt?: Date; seed?: number } = {}): BuiltReport {
  const title = runs.length === 1 ? `s2s-latency report — ${runs[0]!.id}` : `s2s-latency report — ${runs.length} runs`;
  const diffs = differences(runs, opts.seed);
  const charts = chartsBlock(runs);
  const allThresholds = runs.flatMap(thresholdsOf);
  const failed = allThresholds.filter((t) => !t.ok);
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: title },
    { kind: 'text', text: `Generated ${(opts.generatedAt ?? new Date()).toISOString()} from ${runs.length} run folder(s).` },
    failed.length
      ? { kind: 'text', tone: 'bad', text: `${failed.length} threshold(s) crossed: ${failed.map((t) => `${t.metric} ${t.expression}`).join('; ')}` }
      : { kind: 'text', tone: allThresholds.length ? 'ok' : 'info', text: allThresholds.length ? `All ${allThresholds.length} thresholds passed.` : 'No thresholds were set.' },
    ...runsBlock(runs),
    ...pairTable(runs),
    ...differencesBlock(diffs),
    ...charts.blocks,
    { kind: 'heading', level: 2, text: 'All thresholds' },
    ...(() => {
      const t = thresholdTable(allThresholds, runs.length > 1);
      return t ? [{ kind: 'table', table: t } as Block] : [{ kind: 'text', tone: 'info', text: 'No thresholds were set.' } as Block];
    })(),
    ...allMetricsBlock(runs),
  ];
  return { markdown: renderMarkdown(blocks), html: renderHtml(title, blocks), charts: charts.charts, blocks };
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
