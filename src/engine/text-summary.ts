// k6 v1's end-of-test text summary (compact mode): the THRESHOLDS block and TOTAL RESULTS with the checks
// block and the CUSTOM / HTTP / EXECUTION / NETWORK sections, laid out column for column like k6 prints it.
import { BUILTIN_METRICS } from '../results/metrics.ts';
import { DEFAULT_SUMMARY_TREND_STATS, thresholdEvaluationOf, type CheckNode, type GroupNode, type SummaryData, type SummaryMetric } from '../results/summary.ts';
import type { ThresholdEvaluation } from '../results/thresholds.ts';

export interface TextSummaryOptions {
  /** ANSI colours (✓ green, ✗ red, values cyan, dots faint). Off unless asked. */
  color?: boolean;
  /** 'compact' (k6's default) hides the http_req_* phase timings and group_duration; 'full' shows them. */
  mode?: 'compact' | 'full';
  /**
   * The final threshold evaluation: gives the observed value printed beside each threshold (e.g. a p(99)
   * that is not among summaryTrendStats). Defaults to the one buildSummaryData was given; without any,
   * values come from the summary data when present.
   */
  thresholds?: ThresholdEvaluation | null;
}

const INDENT = '    ';
const BUILTIN = new Set(BUILTIN_METRICS.map(([name]) => name));
const HIDDEN_IN_COMPACT = new Set([
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
  'group_duration',
]);
const SECTIONS = ['CUSTOM', 'HTTP', 'EXECUTION', 'NETWORK'] as const;
type Section = (typeof SECTIONS)[number];

function sectionOf(name: string): Section | null {
  if (name === 'checks') return null;
  if (!BUILTIN.has(name)) return 'CUSTOM';
  if (name.startsWith('http_')) return 'HTTP';
  if (name.startsWith('data_')) return 'NETWORK';
  return 'EXECUTION';
}

// ---------------------------------------------------------------------------------------------
// Number formatting, as k6 shows values

/** toFixed(digits) without trailing zeros: 60.455979, 1.25, 121. */
export function toFixedNoTrailingZeros(value: number, digits: number): string {
  return String(Number.parseFloat(value.toFixed(digits)));
}

/** A duration in ms the way k6 prints it: 0s, 512ns, 599.97µs, 1.25ms, 1.2s, 1m2s, 1h0m5s. */
export function formatDuration(ms: number, timeUnit = ''): string {
  if (timeUnit === 's') return `${(ms / 1000).toFixed(2)}s`;
  if (timeUnit === 'ms') return `${ms.toFixed(2)}ms`;
  if (timeUnit === 'us') return `${(ms * 1000).toFixed(2)}µs`;
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const d = Math.abs(ms);
  if (d < 0.001) return `${sign}${Math.trunc(d * 1e6)}ns`;
  if (d < 1) return `${sign}${toFixedNoTrailingZeros(d * 1000, 2)}µs`;
  if (d < 1000) return `${sign}${toFixedNoTrailingZeros(d, 2)}ms`;
  let out = `${toFixedNoTrailingZeros((d % 60_000) / 1000, d > 60_000 ? 0 : 2)}s`;
  let rest = Math.trunc(d / 60_000);
  if (rest < 1) return sign + out;
  out = `${rest % 60}m${out}`;
  rest = Math.trunc(rest / 60);
  if (rest < 1) return sign + out;
  return `${sign}${rest}h${out}`;
}

/** Bytes in SI units like k6: 9 B, 45 kB, 1.3 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 10) return `${toFixedNoTrailingZeros(bytes, 2)} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1000)));
  const val = Math.floor((bytes / 1000 ** e) * 10 + 0.5) / 10;
  return `${val.toFixed(val < 10 ? 1 : 0)} ${units[e]}`;
}

/** A rate as a percentage truncated (not rounded) to 2 decimals, like k6: 0.454954 → 45.49%. */
export function formatPercent(rate: number): string {
  return `${(Math.trunc(rate * 100 * 100) / 100).toFixed(2)}%`;
}

function formatValue(value: number, m: Pick<SummaryMetric, 'type' | 'contains'>, timeUnit: string): string {
  if (m.type === 'rate') return formatPercent(value);
  if (m.contains === 'time') return formatDuration(value, timeUnit);
  if (m.contains === 'data') return formatBytes(value);
  return toFixedNoTrailingZeros(value, 6);
}

// ---------------------------------------------------------------------------------------------
// Colour

interface Paint {
  ok(s: string): string;
  fail(s: string): string;
  value(s: string): string;
  faint(s: string): string;
  bold(s: string): string;
}
const ansi = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const PLAIN: Paint = { ok: (s) => s, fail: (s) => s, value: (s) => s, faint: (s) => s, bold: (s) => s };
const COLOR: Paint = { ok: ansi('32'), fail: ansi('31'), value: ansi('36'), faint: ansi('2'), bold: ansi('1') };

const padEnd = (s: string, width: number): string => s + ' '.repeat(Math.max(0, width - [...s].length));
const width = (s: string): number => [...s].length;

// ---------------------------------------------------------------------------------------------
// Lines

interface Row {
  label: string;
  /** Trend rows: one "stat=value" cell per summaryTrendStats entry. */
  trendCells?: string[];
  /** Other rows: the main value, then extra cells. */
  cells?: string[];
}

function metricCells(m: SummaryMetric, timeUnit: string): string[] {
  const v = m.values;
  switch (m.type) {
    case 'counter':
      return m.contains === 'data'
        ? [formatBytes(v.count ?? 0), `${formatBytes(v.rate ?? 0)}/s`]
        : [formatValue(v.count ?? 0, m, timeUnit), `${toFixedNoTrailingZeros(v.rate ?? 0, 6)}/s`];
    case 'gauge':
      return [formatValue(v.value ?? 0, m, timeUnit), `min=${formatValue(v.min ?? 0, m, timeUnit)}`, `max=${formatValue(v.max ?? 0, m, timeUnit)}`];
    case 'rate': {
      const passes = v.passes ?? 0;
      const total = passes + (v.fails ?? 0);
      return [formatPercent(v.rate ?? 0), `${passes} out of ${total}`];
    }
    case 'trend':
      return [];
  }
}

function trendCells(m: SummaryMetric, stats: readonly string[], timeUnit: string): string[] {
  return stats.map((stat) => {
    const v = m.values[stat] ?? 0;
    return `${stat}=${stat === 'count' ? toFixedNoTrailingZeros(v, 6) : formatValue(v, m, timeUnit)}`;
  });
}

/** Renders label/value rows with k6's alignment: dotted labels, then columns padded to their widest cell. */
function renderRows(rows: Row[], paint: Paint): string[] {
  const labelWidth = Math.max(0, ...rows.map((r) => width(r.label))) + 3;
  const trendWidths: number[] = [];
  let mainWidth = 0;
  const extraWidths: number[] = [];
  for (const r of rows) {
    r.trendCells?.forEach((c, i) => (trendWidths[i] = Math.max(trendWidths[i] ?? 0, width(c))));
    if (r.cells) {
      mainWidth = Math.max(mainWidth, width(r.cells[0] ?? ''));
      r.cells.slice(1).forEach((c, i) => (extraWidths[i] = Math.max(extraWidths[i] ?? 0, width(c))));
    }
  }
  return rows.map((r) => {
    const dots = paint.faint(`${'.'.repeat(labelWidth - width(r.label))}:`);
    let data: string;
    if (r.trendCells) {
      data = r.trendCells.map((c, i) => paint.value(padEnd(c, trendWidths[i] ?? 0))).join(' ');
    } else {
      const [main = '', ...extras] = r.cells ?? [];
      data = paint.value(padEnd(main, mainWidth));
      // k6 pads the extra cells only when there are several of them (gauges).
      if (extras.length === 1) data += ` ${paint.value(extras[0]!)}`;
      else if (extras.length > 1) data += ` ${extras.map((c, i) => paint.value(padEnd(c, extraWidths[i] ?? 0))).join(' ')}`;
    }
    return `${INDENT}${r.label}${dots} ${data}`;
  });
}

/** Checks merged by name across groups (compact mode shows one line per check name). */
function collectChecks(root: GroupNode): CheckNode[] {
  const byName = new Map<string, CheckNode>();
  const walk = (g: GroupNode): void => {
    for (const c of g.checks) {
      const seen = byName.get(c.name);
      if (seen) {
        seen.passes += c.passes;
        seen.fails += c.fails;
      } else byName.set(c.name, { ...c });
    }
    g.groups.forEach(walk);
  };
  walk(root);
  return [...byName.values()];
}

function thresholdLines(data: SummaryData, opts: TextSummaryOptions, paint: Paint): string[] {
  const keys = Object.keys(data.metrics)
    .filter((k) => data.metrics[k]!.thresholds && Object.keys(data.metrics[k]!.thresholds!).length > 0)
    .sort();
  if (keys.length === 0) return [];
  const observed = new Map<string, number | null>();
  for (const r of (opts.thresholds ?? thresholdEvaluationOf(data))?.results ?? []) observed.set(`${r.metric}\u0000${r.expression}`, r.observed);
  const timeUnit = data.options?.summaryTimeUnit ?? '';
  const out = ['  █ THRESHOLDS ', ''];
  for (const key of keys) {
    const m = data.metrics[key]!;
    out.push(`${INDENT}${key}`);
    for (const [expr, { ok }] of Object.entries(m.thresholds!)) {
      const agg = /^\s*(count|rate|value|avg|min|max|med|p\([^)]*\))/.exec(expr)?.[1]?.replace(/\s+/g, '') ?? '';
      let value = observed.has(`${key}\u0000${expr}`) ? observed.get(`${key}\u0000${expr}`) : m.values[agg];
      if (value === undefined && m.type === 'counter' && agg === 'count') value = m.values.count;
      let shown = '';
      if (value !== undefined && value !== null) {
        if (agg === 'count') shown = toFixedNoTrailingZeros(value, 6);
        else if (m.type === 'counter' && agg === 'rate') shown = `${toFixedNoTrailingZeros(value, 6)}/s`;
        else shown = formatValue(value, m, timeUnit);
      }
      const mark = ok ? paint.ok('✓') : paint.fail('✗');
      out.push(`${INDENT}${mark} '${expr}'${shown ? ` ${agg}=${shown}` : ''}`);
    }
    out.push('');
  }
  out.push('');
  return out;
}

function checkLines(data: SummaryData, paint: Paint): string[] {
  const checks = data.metrics.checks;
  const list = data.root_group ? collectChecks(data.root_group) : [];
  if (!checks && list.length === 0) return [];
  const passes = checks?.values.passes ?? list.reduce((n, c) => n + c.passes, 0);
  const fails = checks?.values.fails ?? list.reduce((n, c) => n + c.fails, 0);
  const total = passes + fails;
  const seconds = (data.state?.testRunDurationMs ?? 0) / 1000;
  const rows: Row[] = [
    { label: 'checks_total', cells: [String(total), `${toFixedNoTrailingZeros(seconds > 0 ? total / seconds : 0, 6)}/s`] },
    { label: 'checks_succeeded', cells: [formatPercent(total ? passes / total : 0), `${passes} out of ${total}`] },
    { label: 'checks_failed', cells: [formatPercent(total ? fails / total : 0), `${fails} out of ${total}`] },
  ];
  const out = [...renderRows(rows, paint), ''];
  for (const c of list) {
    if (c.fails === 0) out.push(`${INDENT}${paint.ok('✓')} ${c.name}`);
    else {
      const n = c.passes + c.fails;
      out.push(`${INDENT}${paint.fail('✗')} ${c.name}`);
      out.push(`${INDENT}  ↳  ${Math.floor((100 * c.passes) / n)}% — ✓ ${c.passes} / ✗ ${c.fails}`);
    }
  }
  out.push('');
  return out;
}

/** k6 v1 end-of-test text summary (THRESHOLDS, TOTAL RESULTS: checks, CUSTOM/HTTP/EXECUTION/NETWORK). */
export function renderTextSummary(data: SummaryData, opts: TextSummaryOptions = {}): string {
  const paint = opts.color ? COLOR : PLAIN;
  const mode = opts.mode ?? 'compact';
  // Summaries read back from JSON (collect, the runner) may lack options/state: fall back to k6's defaults.
  const stats = data.options?.summaryTrendStats ?? DEFAULT_SUMMARY_TREND_STATS;
  const timeUnit = data.options?.summaryTimeUnit ?? '';

  // Parent metrics per section, each followed by its sub-metrics (sorted by their tag filter).
  const parents = new Map<string, string[]>();
  for (const key of Object.keys(data.metrics)) {
    const brace = key.indexOf('{');
    const parent = brace < 0 ? key : key.slice(0, brace);
    if (!parents.has(parent)) parents.set(parent, []);
    if (brace >= 0) parents.get(parent)!.push(key);
  }
  const bySection = new Map<Section, Array<{ key: string; label: string }>>();
  for (const parent of [...parents.keys()].sort()) {
    const section = sectionOf(parent);
    if (!section || !data.metrics[parent]) continue;
    if (mode === 'compact' && HIDDEN_IN_COMPACT.has(parent)) continue;
    const list = bySection.get(section) ?? [];
    list.push({ key: parent, label: parent });
    for (const sub of parents.get(parent)!.sort()) list.push({ key: sub, label: `  { ${sub.slice(parent.length + 1, -1)} }` });
    bySection.set(section, list);
  }
  const rows: Row[] = [];
  const sectionRows = new Map<Section, Row[]>();
  for (const section of SECTIONS) {
    const list = bySection.get(section);
    if (!list) continue;
    const rs = list.map(({ key, label }): Row => {
      const m = data.metrics[key]!;
      return m.type === 'trend' ? { label, trendCells: trendCells(m, stats, timeUnit) } : { label, cells: metricCells(m, timeUnit) };
    });
    rows.push(...rs);
    sectionRows.set(section, rs);
  }
  // Alignment is shared by every section: render all rows at once, then split them back.
  const rendered = renderRows(rows, paint);

  const out: string[] = ['', '', ...thresholdLines(data, opts, paint), '  █ TOTAL RESULTS ', '', ...checkLines(data, paint)];
  let i = 0;
  for (const section of SECTIONS) {
    const rs = sectionRows.get(section);
    if (!rs) continue;
    out.push(`${INDENT}${paint.bold(section)}`, ...rendered.slice(i, i + rs.length), '');
    i += rs.length;
  }
  out.push('', '');
  return `${out.join('\n')}\n`;
}
