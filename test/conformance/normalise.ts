// The normal form of one run of a corpus case, and how two normal forms are compared.
//
// `normalise(raw)` is the ONE function that decides what of a run is compared (real k6's golden and
// `s2s run` alike). It keeps shapes, verdicts and counts and drops everything that differs from run to run:
// - exit code: kept as is;
// - stderr: each logfmt line at level error or warning, and every console line, becomes a class
//   ("error thresholds-crossed: a, b", "warning request-failed", "info console"); see `classifyLine`. Message
//   texts, timestamps, ports, paths and durations are not kept (the class is enough to say "same error");
// - handleSummary data: its top-level keys; per metric the type, contains, value KEYS and threshold verdicts
//   (`ok`, sorted by expression); the group tree with check names, paths and ids (sorted by name); options;
//   the state keys;
//   setup_data (keys sorted);
// - counts: the deterministic numbers of the summary (counter `count` except the byte counters, rate
//   passes/fails, custom gauge value/min/max, trend `count` when asked for, check passes/fails);
// - text summary (when stdout has one): its lines with the numbers cut off (section, metric and check names,
//   threshold expressions with ✓/✗);
// - --out json: the set of line shapes (Metric: name, type, contains, thresholds, sub-metric names; Point:
//   metric, data keys, tag keys); values, times and tag values (URLs with ports) are dropped;
// - --summary-export: per metric the value keys and threshold booleans.
// Timing is handled by `compareNormalised`: in a timed case (ConformanceCase.timed) counts may differ by the
// case's tolerance, and vus/vus_max (sampled every second) and the case's optionalMetrics may be absent on
// either side. Exit codes and threshold verdicts are always compared exactly.
import type { ConformanceCase } from './cases.ts';
import type { RawResult } from './run-case.ts';

export interface MetricShape {
  type: string;
  contains: string;
  values: string[];
  /** expression → ok, as in handleSummary data; absent when the metric has no thresholds. */
  thresholds?: Record<string, boolean>;
}

export interface CheckShape {
  name: string;
  path: string;
  id: string;
}

export interface GroupShape {
  name: string;
  path: string;
  id: string;
  groups: GroupShape[];
  checks: CheckShape[];
}

export interface SummaryShape {
  keys: string[];
  metrics: Record<string, MetricShape>;
  rootGroup: GroupShape | null;
  options: Record<string, unknown>;
  stateKeys: string[];
  setupData?: unknown;
}

export interface Normalised {
  exitCode: number | null;
  stderr: string[];
  summary: SummaryShape | null;
  counts: Record<string, number>;
  textSummary: string[] | null;
  outJson: string[] | null;
  summaryExport: { keys: string[]; metrics: Record<string, { values: string[]; thresholds?: Record<string, boolean> }> } | null;
}

// ---------------------------------------------------------------------------------------------
// stderr

/**
 * Message patterns → class, first match wins; where k6 and s2s word a message differently, both wordings are
 * listed. A line none matches keeps a scrubbed message prefix (so it only matches the same text).
 */
const MESSAGE_CLASSES: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
  [/^thresholds on metrics '([^']*)' have been crossed/, (m) => `thresholds-crossed: ${m[1]}`],
  [/^thresholds on metrics '([^']*)' were crossed; at least one has abortOnFail/, (m) => `threshold-abort: ${m[1]}`],
  [/invalid threshold|failed parsing threshold|unable to validate threshold/, 'invalid-threshold'],
  [/^unknown (shorthand )?flag/, 'unknown-flag'],
  [/^invalid argument .* flag|invalid percentile trend stat|^invalid trend stat/, 'bad-flag-value'],
  [/^test aborted/, 'test-aborted'],
  [/^Request Failed/, 'request-failed'],
  [/^Insufficient VUs/, 'insufficient-vus'],
  [/level configuration overrode scenarios configuration/, 'shortcut-overrode-scenarios'],
  // k6: "There were problems with the specified script configuration: …", "could not initialize …: could not load
  // JS test …", "envconfig.Process: assigning K6_VUS …"; s2s: "invalid option(s) …", "invalid scenario …",
  // "scenario NAME: …", "invalid K6_VUS=…".
  [
    /There were problems with the specified script configuration|could not initialize .*: could not load JS test|^envconfig\.Process|^invalid (options?|scenario)\b|^scenario [\w-]+: |^invalid K6_\w+=/,
    'invalid-options',
  ],
  [/couldn't be found on local disk|no such file or directory/, 'missing-file'],
];

/** Warnings whose presence depends on timing or the machine (never compared). */
const TIMING_CLASSES = new Set(['warning insufficient-vus']);

function parseLogfmt(line: string): Record<string, string> | null {
  if (!/^time="[^"]*" level=\w+ /.test(line)) return null;
  const fields: Record<string, string> = {};
  const re = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const value = m[2] ?? '';
    fields[m[1] ?? ''] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
  }
  return fields;
}

/** Ports, temp and script paths, timestamps and durations out of a message. */
export function scrub(text: string): string {
  return text
    .replace(/file:\/\/\S+/g, '{file}')
    .replace(/(\/[\w.@+-]+)+\/?/g, '{path}')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:{port}')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '{time}')
    .replace(/\d+(\.\d+)?(ns|µs|us|ms|s|m|h)\b/g, '{duration}');
}

/** The class of one stderr line, or null for lines that are not compared (info/debug outside console). */
export function classifyLine(line: string): string | null {
  const fields = parseLogfmt(line);
  if (!fields) return line.trim() === '' ? null : 'text';
  const level = fields.level ?? 'unknown';
  const msg = fields.msg ?? '';
  if (fields.source === 'stacktrace') return `${level} iteration-exception`;
  // "Request Failed" first: s2s's runtime logs it through the console channel (source=console).
  if (level === 'warning' && /^Request Failed/.test(msg)) return `${level} request-failed`;
  if (fields.source === 'console') return `${level} console`;
  if (level !== 'error' && level !== 'warning' && level !== 'fatal') return null;
  for (const [re, cls] of MESSAGE_CLASSES) {
    const m = re.exec(msg);
    if (m) {
      const name = typeof cls === 'string' ? cls : cls(m);
      // An init/setup/teardown/handleSummary exception that happens to name a missing file is still a script exception.
      if (fields.hint === 'script exception' && (name === 'missing-file' || name === 'invalid-options')) return `${level} script-exception`;
      return `${level} ${name}`;
    }
  }
  if (fields.hint === 'script exception') return `${level} script-exception`;
  return `${level} unclassified: ${scrub(msg).slice(0, 60)}`;
}

function classifyStderr(stderr: string): string[] {
  const classes = new Set<string>();
  for (const line of stderr.split('\n')) {
    const cls = classifyLine(line);
    if (cls && !TIMING_CLASSES.has(cls)) classes.add(cls);
  }
  return [...classes].sort();
}

// ---------------------------------------------------------------------------------------------
// handleSummary data

interface RawMetric {
  type: string;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
interface RawCheck {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}
interface RawGroup {
  name: string;
  path: string;
  id: string;
  groups: RawGroup[];
  checks: RawCheck[];
}

/** Counters of bytes differ with header sizes (User-Agent, Date): not compared. */
const BYTE_COUNTERS = new Set(['data_sent', 'data_received']);
/** Sampled every second: their values and presence depend on timing. */
export const SAMPLED_GAUGES = new Set(['vus', 'vus_max']);

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Groups and checks sorted by name: their order is first-seen, which races between concurrent VUs. */
function groupShape(g: RawGroup, counts: Record<string, number>): GroupShape {
  const checks = (g.checks ?? []).map((c) => {
    counts[`check ${c.path} passes`] = c.passes;
    counts[`check ${c.path} fails`] = c.fails;
    return { name: c.name, path: c.path, id: c.id };
  });
  return { name: g.name, path: g.path, id: g.id, groups: (g.groups ?? []).map((sub) => groupShape(sub, counts)).sort(byName), checks: checks.sort(byName) };
}

/** A JSON value with object keys sorted (setup_data's key order is not meaningful). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

function metricCounts(name: string, m: RawMetric, counts: Record<string, number>): void {
  const v = m.values;
  if (m.type === 'counter' && !BYTE_COUNTERS.has(name.replace(/\{.*$/, ''))) counts[`${name} count`] = v.count ?? Number.NaN;
  if (m.type === 'rate') {
    counts[`${name} passes`] = v.passes ?? Number.NaN;
    counts[`${name} fails`] = v.fails ?? Number.NaN;
  }
  if (m.type === 'gauge' && !SAMPLED_GAUGES.has(name.replace(/\{.*$/, ''))) {
    for (const k of ['value', 'min', 'max']) if (v[k] !== undefined) counts[`${name} ${k}`] = v[k];
  }
  if (m.type === 'trend' && v.count !== undefined) counts[`${name} count`] = v.count;
}

function summaryShape(text: string, counts: Record<string, number>): SummaryShape {
  const data = JSON.parse(text) as Record<string, unknown>;
  const metrics: Record<string, MetricShape> = {};
  for (const [name, m] of Object.entries((data.metrics ?? {}) as Record<string, RawMetric>)) {
    const shape: MetricShape = { type: m.type, contains: m.contains, values: Object.keys(m.values ?? {}).sort() };
    if (m.thresholds) shape.thresholds = Object.fromEntries(Object.entries(m.thresholds).map(([e, r]) => [e, r.ok] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
    metrics[name] = shape;
    metricCounts(name, m, counts);
  }
  const options = (data.options ?? {}) as Record<string, unknown>;
  const shape: SummaryShape = {
    keys: Object.keys(data).sort(),
    metrics: Object.fromEntries(Object.entries(metrics).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    rootGroup: data.root_group ? groupShape(data.root_group as RawGroup, counts) : null,
    options: { summaryTrendStats: options.summaryTrendStats, summaryTimeUnit: options.summaryTimeUnit, noColor: options.noColor },
    stateKeys: Object.keys((data.state ?? {}) as object).sort(),
  };
  if ('setup_data' in data) shape.setupData = canonical(data.setup_data);
  return shape;
}

// ---------------------------------------------------------------------------------------------
// text summary, --out json, --summary-export

/** The text summary's lines without their numbers; null when stdout has no k6 v1 text summary. */
function textSummaryShape(stdout: string): string[] | null {
  if (!stdout.includes('█ TOTAL RESULTS')) return null;
  const lines: string[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^([\w{}:., ]+?)\.{2,}:/.exec(line))) lines.push(`metric ${m[1]?.trim()}`);
    else if ((m = /^([✓✗]) ('[^']*')/.exec(line))) lines.push(`threshold ${m[1]} ${m[2]}`);
    else if ((m = /^([✓✗]) (.*)$/.exec(line))) lines.push(`check ${m[1]} ${m[2]}`);
    else if ((m = /^↳\s+(\d+)% — ✓ \d+ \/ ✗ \d+$/.exec(line))) lines.push(`check-rate`);
    else lines.push(scrub(line));
  }
  return lines;
}

function outJsonShape(text: string): string[] {
  const shapes = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const doc = JSON.parse(line) as { type: string; metric: string; data: Record<string, unknown> };
    if (doc.type === 'Metric') {
      const d = doc.data as { type: string; contains: string; thresholds: string[] | null; submetrics: { name: string }[] | null };
      const subs = (d.submetrics ?? []).map((s) => s.name).sort();
      shapes.add(`Metric ${doc.metric} ${d.type} ${d.contains} thresholds=${JSON.stringify([...(d.thresholds ?? [])].sort())} submetrics=${JSON.stringify(subs)}`);
    } else {
      const tags = Object.keys((doc.data.tags ?? {}) as object).sort();
      shapes.add(`${doc.type} ${doc.metric} data=${Object.keys(doc.data).sort().join(',')} tags=${tags.join(',')}`);
    }
  }
  return [...shapes].sort();
}

function summaryExportShape(text: string): NonNullable<Normalised['summaryExport']> {
  const doc = JSON.parse(text) as Record<string, unknown>;
  const metrics: NonNullable<Normalised['summaryExport']>['metrics'] = {};
  for (const [name, m] of Object.entries((doc.metrics ?? {}) as Record<string, Record<string, unknown>>)) {
    const values = Object.keys(m).filter((k) => k !== 'thresholds').sort();
    metrics[name] = m.thresholds ? { values, thresholds: canonical(m.thresholds) as Record<string, boolean> } : { values };
  }
  return { keys: Object.keys(doc).sort(), metrics: Object.fromEntries(Object.entries(metrics).sort(([a], [b]) => (a < b ? -1 : 1))) };
}

// ---------------------------------------------------------------------------------------------

/** The normal form of one run (see the module comment for what is kept and why). */
export function normalise(raw: RawResult): Normalised {
  const counts: Record<string, number> = {};
  const summary = raw.summary === null ? null : summaryShape(raw.summary, counts);
  return {
    exitCode: raw.exitCode,
    stderr: classifyStderr(raw.stderr),
    summary,
    counts: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    textSummary: textSummaryShape(raw.stdout),
    outJson: raw.outJson === null ? null : outJsonShape(raw.outJson),
    summaryExport: raw.summaryExport === null ? null : summaryExportShape(raw.summaryExport),
  };
}

// ---------------------------------------------------------------------------------------------
// comparison

/** One way in which a run differs from the golden: `where` is a path into the normal form. */
export interface Difference {
  where: string;
  golden: unknown;
  actual: unknown;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function countWithin(golden: number, actual: number, c: ConformanceCase): boolean {
  if (!c.timed) return golden === actual;
  return Math.abs(golden - actual) <= Math.max(c.timed.absolute, c.timed.relative * Math.abs(golden));
}

/** Every difference between the golden and a run of the same case; empty when they conform. */
export function compareNormalised(golden: Normalised, actual: Normalised, c: ConformanceCase): Difference[] {
  const diffs: Difference[] = [];
  const add = (where: string, g: unknown, a: unknown) => diffs.push({ where, golden: g, actual: a });
  if (golden.exitCode !== actual.exitCode) add('exitCode', golden.exitCode, actual.exitCode);
  if (!same(golden.stderr, actual.stderr)) add('stderr', golden.stderr, actual.stderr);

  const optional = new Set([...(c.optionalMetrics ?? []), ...(c.timed ? SAMPLED_GAUGES : [])]);
  const isOptional = (key: string) => optional.has(key.replace(/\{.*$/, ''));
  if ((golden.summary === null) !== (actual.summary === null)) add('summary', golden.summary === null ? null : 'present', actual.summary === null ? null : 'present');
  if (golden.summary && actual.summary) {
    const g = golden.summary;
    const a = actual.summary;
    if (!same(g.keys, a.keys)) add('summary.keys', g.keys, a.keys);
    for (const key of new Set([...Object.keys(g.metrics), ...Object.keys(a.metrics)])) {
      const gm = g.metrics[key];
      const am = a.metrics[key];
      if (!gm || !am) {
        if (!isOptional(key)) add(`summary.metrics.${key}`, gm ? 'present' : 'absent', am ? 'present' : 'absent');
        continue;
      }
      for (const field of ['type', 'contains', 'values', 'thresholds'] as const) {
        if (!same(gm[field], am[field])) add(`summary.metrics.${key}.${field}`, gm[field], am[field]);
      }
    }
    if (!same(g.rootGroup, a.rootGroup)) add('summary.rootGroup', g.rootGroup, a.rootGroup);
    if (!same(g.options, a.options)) add('summary.options', g.options, a.options);
    if (!same(g.stateKeys, a.stateKeys)) add('summary.stateKeys', g.stateKeys, a.stateKeys);
    if (!same(g.setupData, a.setupData)) add('summary.setupData', g.setupData, a.setupData);
  }

  for (const key of new Set([...Object.keys(golden.counts), ...Object.keys(actual.counts)])) {
    const gv = golden.counts[key];
    const av = actual.counts[key];
    if (gv === undefined || av === undefined) {
      if (!isOptional(key.split(' ')[0] ?? key)) add(`counts.${key}`, gv ?? 'absent', av ?? 'absent');
    } else if (!countWithin(gv, av, c)) add(`counts.${key}`, gv, av);
  }
  // Lines about a metric that may be absent (timing) are left out of both sides.
  const keep = (lines: string[] | null) => lines && lines.filter((l) => !isOptional(/^(?:metric|Metric|Point) (\S+)/.exec(l)?.[1] ?? ''));
  if (!same(keep(golden.textSummary), keep(actual.textSummary))) add('textSummary', golden.textSummary, actual.textSummary);
  if (!same(keep(golden.outJson), keep(actual.outJson))) add('outJson', golden.outJson, actual.outJson);
  if (!same(golden.summaryExport, actual.summaryExport)) add('summaryExport', golden.summaryExport, actual.summaryExport);
  return diffs;
}
