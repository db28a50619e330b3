// Loading run folders for reports and comparisons: run.json (validated), summary.json (k6
// handleSummary data) and, streamed, metrics.ndjson.gz turned into per-key HDR histograms.
import { exists } from './run-folder.ts';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LatencyHistogram } from './histogram.ts';
import { NdjsonError, parseRfc3339Ms, readNdjson } from './ndjson.ts';
import { runMetaSchema, type RunMeta } from './run-meta.ts';
import { TimeSeriesBuilder, type SeriesMetric } from './timeseries-builder.ts';
import { pairKey, timeSeriesProblem, type TimeSeriesDoc } from './timeseries.ts';

/** One metric of k6 handleSummary data. */
export interface SummaryMetric {
  type: 'trend' | 'rate' | 'counter' | 'gauge' | string;
  contains: 'time' | 'default' | 'data' | string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface K6Summary {
  metrics: Record<string, SummaryMetric>;
  root_group?: unknown;
  options?: { summaryTrendStats?: string[] };
  state?: { testRunDurationMs?: number };
}

export class RunFolderError extends Error {}

export interface RunFolder {
  dir: string;
  /** Folder name, used as the run's id when run.json is missing. */
  name: string;
  meta: RunMeta | null;
  /** Why run.json could not be used (missing or invalid), when meta is null. */
  metaProblem: string | null;
  summary: K6Summary;
  /** Absolute path of metrics.ndjson.gz (or .ndjson), null when absent. */
  metricsPath: string | null;
  /** Absolute path of timeseries.json (the dashboard's per-period series), null when absent. */
  timeseriesPath: string | null;
}


/** Reads one run folder. Throws RunFolderError naming the folder and the fix when it is unusable. */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  const abs = path.resolve(dir);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new RunFolderError(`run folder ${dir} does not exist: pass a folder made by \`npm run scenario:*\` (results/<id>/)`);
  }
  if (!st.isDirectory()) throw new RunFolderError(`run folder ${dir} is not a directory: pass the folder, not a file in it`);
  const summaryPath = path.join(abs, 'summary.json');
  let summary: K6Summary;
  try {
    const parsed = JSON.parse(await readFile(summaryPath, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || typeof (parsed as { metrics?: unknown }).metrics !== 'object') {
      throw new Error('it has no "metrics" object (expected k6 handleSummary data)');
    }
    summary = parsed as K6Summary;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read: ${(err as Error).message}`;
    throw new RunFolderError(`run folder ${dir}: summary.json ${why}; every run folder needs k6 handleSummary data in summary.json`);
  }
  let meta: RunMeta | null = null;
  let metaProblem: string | null = null;
  try {
    const raw = JSON.parse(await readFile(path.join(abs, 'run.json'), 'utf8')) as unknown;
    const res = runMetaSchema.safeParse(raw);
    if (res.success) meta = res.data;
    else metaProblem = `run.json does not match schemas/run.schema.json: ${res.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  } catch (err) {
    metaProblem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'run.json is missing' : `run.json cannot be read: ${(err as Error).message}`;
  }
  let metricsPath: string | null = null;
  for (const name of [meta?.files.metrics, 'metrics.ndjson.gz', 'metrics.ndjson']) {
    if (name && (await exists(path.join(abs, name)))) {
      metricsPath = path.join(abs, name);
      break;
    }
  }
  const timeseries = path.join(abs, meta?.files.timeseries ?? 'timeseries.json');
  const timeseriesPath = (await exists(timeseries)) ? timeseries : null;
  return { dir: abs, name: path.basename(abs), meta, metaProblem, summary, metricsPath, timeseriesPath };
}

/** Run folder names: `<UTC yyyymmddTHHMMSSZ>_<platform>_<scenario>`. */
const RUN_ID = /^(\d{8}T\d{6}Z)_([a-z0-9-]+)_([a-z0-9-]+)$/;

/** The latest run folder of each platform/scenario under `resultsDir` (the report's default input). */
export async function latestRunFolders(resultsDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(resultsDir);
  } catch {
    return [];
  }
  const latest = new Map<string, string>();
  for (const name of names.sort()) {
    const m = RUN_ID.exec(name);
    if (!m) continue;
    if (!(await exists(path.join(resultsDir, name, 'summary.json')))) continue;
    latest.set(`${m[2]}_${m[3]}`, name); // sorted ascending, so the last one wins
  }
  return [...latest.values()].sort().map((n) => path.join(resultsDir, n));
}

/** One `--out json` Point. */
export interface MetricPoint {
  metric: string;
  timeMs: number;
  value: number;
  tags: Record<string, string>;
}

/**
 * Streams the Points of a k6 `--out json` file (gzipped or not) with B2's reader. A bad line (e.g. the
 * truncated last line of an interrupted run) ends the stream and is reported through `onProblem`,
 * so a report still shows everything before it.
 */
export async function* readPoints(file: string, onProblem: (message: string) => void = () => {}): AsyncGenerator<MetricPoint> {
  try {
    for await (const line of readNdjson(file)) {
      if (line.type !== 'Point' || typeof line.data.value !== 'number') continue;
      let timeMs = Number.NaN;
      try {
        timeMs = parseRfc3339Ms(line.data.time);
      } catch {
        // a point without a usable time still counts in the distribution
      }
      yield { metric: line.metric, timeMs, value: line.data.value, tags: line.data.tags ?? {} };
    }
  } catch (err) {
    if (err instanceof NdjsonError) onProblem(`${err.message}; the samples after it are ignored`);
    else throw err;
  }
}

/** `name{k:v,k2:v2}` → name and tags (k6's sub-metric key form). */
export function parseMetricKey(key: string): { name: string; tags: Record<string, string> } {
  const brace = key.indexOf('{');
  if (brace < 0 || !key.endsWith('}')) return { name: key, tags: {} };
  const tags: Record<string, string> = {};
  for (const part of key.slice(brace + 1, -1).split(',')) {
    const colon = part.indexOf(':');
    if (colon > 0) tags[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
  }
  return { name: key.slice(0, brace), tags };
}

// The pair key (`metric{source:S,target:T}`) has one definition, beside the time-series format that uses it too.
export { pairKey } from './timeseries.ts';

export interface RunSamples {
  /** Histograms by metric key: the whole metric, each summary sub-metric, each source/target pair. */
  histograms: Map<string, LatencyHistogram>;
  /** Rate metrics by the same keys: passes (value ≠ 0) and total. */
  rates: Map<string, { passes: number; total: number }>;
  /** `timeMetric` over time (whole and per source → target), in the shared per-period format; null without timeMetric. */
  series: TimeSeriesDoc | null;
  bucketMs: number;
  points: number;
  /** Why reading stopped early (a malformed line), or null. */
  problem: string | null;
}

export interface LoadSamplesOptions {
  /** Trend metrics to build histograms for (all Points of other metrics are skipped). */
  trendMetrics: ReadonlySet<string>;
  rateMetrics?: ReadonlySet<string>;
  /** Sub-metric keys from summary.json (e.g. `s2s_latency_ms{target:pong-sec}`) to fill too. */
  subMetricKeys?: Iterable<string>;
  /** Metric (a time Trend) that gets a time series. */
  timeMetric?: string;
  /** Width of the time buckets. */
  bucketMs?: number;
}

/** Streams metrics.ndjson.gz once into histograms keyed like summary.json (memory stays flat). */
export async function loadSamples(file: string, opts: LoadSamplesOptions): Promise<RunSamples> {
  const histograms = new Map<string, LatencyHistogram>();
  const rates = new Map<string, { passes: number; total: number }>();
  const bucketMs = opts.bucketMs ?? 1000;
  const subs = new Map<string, Array<{ key: string; tags: Array<[string, string]> }>>();
  for (const key of opts.subMetricKeys ?? []) {
    const { name, tags } = parseMetricKey(key);
    if (!opts.trendMetrics.has(name) && !opts.rateMetrics?.has(name)) continue;
    const list = subs.get(name) ?? [];
    list.push({ key, tags: Object.entries(tags) });
    subs.set(name, list);
  }
  const timeMetric: SeriesMetric | null = opts.timeMetric ? { name: opts.timeMetric, type: 'trend', contains: 'time' } : null;
  let builder: TimeSeriesBuilder | null = null;
  let t0 = Number.NaN;
  let points = 0;
  let problem: string | null = null;
  for await (const p of readPoints(file, (m) => (problem = m))) {
    const isTrend = opts.trendMetrics.has(p.metric);
    const isRate = opts.rateMetrics?.has(p.metric) ?? false;
    if (!isTrend && !isRate) continue;
    points++;
    if (Number.isNaN(t0) && Number.isFinite(p.timeMs)) {
      t0 = p.timeMs;
      if (timeMetric) builder = new TimeSeriesBuilder(bucketMs, t0);
    }
    const keys = new Set<string>([p.metric]);
    const target = p.tags.target;
    if (target !== undefined) keys.add(pairKey(p.metric, p.tags.source, target));
    for (const s of subs.get(p.metric) ?? []) if (s.tags.every(([k, v]) => p.tags[k] === v)) keys.add(s.key);
    for (const key of keys) {
      if (isTrend) {
        let h = histograms.get(key);
        if (!h) histograms.set(key, (h = new LatencyHistogram()));
        h.record(p.value);
      } else {
        const r = rates.get(key) ?? { passes: 0, total: 0 };
        r.total++;
        if (p.value !== 0) r.passes++;
        rates.set(key, r);
      }
    }
    if (builder && timeMetric && p.metric === timeMetric.name && Number.isFinite(p.timeMs)) {
      builder.add(timeMetric, p.value, p.tags, p.timeMs);
      // k6 writes lines roughly in time order: close what is well behind, so few periods stay open.
      builder.closeUntil(p.timeMs - SERIES_REORDER_MS);
    }
  }
  builder?.finish();
  return { histograms, rates, series: builder ? builder.doc() : null, bucketMs, points, problem };
}

/** How far out of time order an ndjson file's lines may be (k6 flushes its outputs about every second). */
const SERIES_REORDER_MS = 5000;

/** Reads a run folder's timeseries.json (the dashboard's per-period series); RunFolderError naming it when unusable. */
export async function readTimeSeries(file: string): Promise<TimeSeriesDoc> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new RunFolderError(`${file} cannot be read: ${(err as Error).message}`);
  }
  const problem = timeSeriesProblem(value);
  if (problem) throw new RunFolderError(`${file} is not a time series (src/results/timeseries.ts): ${problem}`);
  return value as TimeSeriesDoc;
}
