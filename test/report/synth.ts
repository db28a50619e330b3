// Realistic run folders for report/compare tests: run.json through the zod schema, summary.json
// in handleSummary shape with the scenario sub-metric keys, metrics.ndjson.gz with tagged Points.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { LatencyHistogram } from '../../src/results/histogram.ts';
import { runMetaSchema, type RunMeta } from '../../src/results/run-meta.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/k6-v1.3.0');

/** A seeded PRNG (tests must be reproducible): the one the reports use. */
import { seededRandom as rng } from '../../src/results/stats.ts';
export { rng };

/** Log-normal latencies around `medianMs`. */
export function lognormal(n: number, medianMs: number, sigma: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const u1 = Math.max(r(), 1e-12);
    const u2 = r();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return medianMs * Math.exp(sigma * z);
  });
}

export function runMeta(over: Partial<RunMeta> & { id: string; platform: string; scenario: string }): RunMeta {
  return runMetaSchema.parse({
    schemaVersion: 1,
    engine: { name: 'embedded', version: '0.1.0' },
    git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    host: { hostname: 'test-host', os: 'linux', arch: 'x64', cpus: 2, node: 'v20.20.2' },
    config: {},
    targets: [],
    startedAt: '2026-11-29T15:00:00.000Z',
    endedAt: '2026-11-29T15:00:05.000Z',
    durationMs: 5000,
    exitCode: 0,
    status: 'passed',
    interrupted: false,
    thresholds: [],
    files: { summary: 'summary.json', metrics: 'metrics.ndjson.gz' },
    ...over,
  });
}

function trendValues(values: number[]): Record<string, number> {
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  const s = h.stats();
  return { avg: s.meanMs, min: s.minMs, med: s.p50Ms, max: s.maxMs, 'p(90)': s.p90Ms, 'p(95)': s.p95Ms, 'p(99)': s.p99Ms, count: s.count };
}

export interface SynthPair {
  source: string;
  target: string;
  auth: 'id-token' | 'mesh-mtls' | 'none';
  warmMs: number[];
  /** One value per batch for each first-call metric. */
  first: { totalMs: number[]; tokenMs: number[]; dnsMs: number[]; connectMs: number[]; tlsMs: number[]; ttfbMs: number[] };
  failed?: number;
}

export interface SynthRun {
  platform: string;
  scenario?: string;
  /** UTC timestamp part of the id, e.g. 20261129T150000Z. */
  stamp: string;
  pairs: SynthPair[];
  settings?: Record<string, string | number | boolean | null>;
  config?: Record<string, unknown>;
  withNdjson?: boolean;
  /** Threshold expressions by metric key, with their verdicts. */
  thresholds?: Record<string, Record<string, boolean>>;
}

export function firstPhases(n: number, seed: number, scale = 1): SynthPair['first'] {
  const tokenMs = lognormal(n, 2 * scale, 0.2, seed);
  const dnsMs = lognormal(n, 0.3 * scale, 0.2, seed + 1);
  const connectMs = lognormal(n, 0.5 * scale, 0.2, seed + 2);
  const tlsMs = lognormal(n, 3 * scale, 0.2, seed + 3);
  const ttfbMs = lognormal(n, 1.5 * scale, 0.2, seed + 4);
  const totalMs = tokenMs.map((t, i) => t + dnsMs[i]! + connectMs[i]! + tlsMs[i]! + ttfbMs[i]!);
  return { totalMs, tokenMs, dnsMs, connectMs, tlsMs, ttfbMs };
}

/** Writes a run folder under `resultsDir` and returns its path. */
export async function writeSynthRun(resultsDir: string, run: SynthRun): Promise<string> {
  const scenario = run.scenario ?? 'probe';
  const id = `${run.stamp}_${run.platform}_${scenario}`;
  const dir = path.join(resultsDir, id);
  await mkdir(dir, { recursive: true });
  const metrics: Record<string, { type: string; contains: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }> = {};
  const points: string[] = [];
  const t0 = Date.parse('2026-11-29T15:00:00Z');
  const all = new Map<string, number[]>();
  const add = (metric: string, key: string, values: number[]) => {
    metrics[key] = { type: 'trend', contains: 'time', values: trendValues(values) };
    all.set(metric, [...(all.get(metric) ?? []), ...values]);
  };
  for (const p of run.pairs) {
    const tags = { platform: run.platform, source: p.source, target: p.target, auth: p.auth, connection: 'reuse' };
    const sub = (m: string) => `${m}{source:${p.source},target:${p.target}}`;
    const series: Array<[string, number[]]> = [
      ['s2s_latency_ms', p.warmMs],
      ['s2s_first_ms', p.first.totalMs],
      ['s2s_token_ms', p.first.tokenMs],
      ['s2s_dns_ms', p.first.dnsMs],
      ['s2s_connect_ms', p.first.connectMs],
      ['s2s_tls_ms', p.first.tlsMs],
      ['s2s_ttfb_ms', p.first.ttfbMs],
    ];
    for (const [m, values] of series) {
      add(m, sub(m), values);
      values.forEach((v, i) => {
        const time = new Date(t0 + Math.floor((i / values.length) * 4000)).toISOString();
        points.push(JSON.stringify({ metric: m, type: 'Point', data: { time, value: v, tags } }));
      });
    }
    const failed = p.failed ?? 0;
    const total = p.warmMs.length + p.first.totalMs.length;
    metrics[sub('s2s_errors')] = { type: 'rate', contains: 'default', values: { rate: failed / total, passes: failed, fails: total - failed } };
    for (let i = 0; i < total; i++) points.push(JSON.stringify({ metric: 's2s_errors', type: 'Point', data: { time: new Date(t0).toISOString(), value: i < failed ? 1 : 0, tags } }));
  }
  for (const [m, values] of all) metrics[m] = { type: 'trend', contains: 'time', values: trendValues(values) };
  for (const [key, ths] of Object.entries(run.thresholds ?? {})) {
    const m = metrics[key];
    if (m) m.thresholds = Object.fromEntries(Object.entries(ths).map(([e, ok]) => [e, { ok }]));
  }
  const summary = {
    metrics,
    root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] },
    options: { summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'], summaryTimeUnit: '', noColor: true },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 4000 },
  };
  await writeFile(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  const thresholds = Object.entries(run.thresholds ?? {}).flatMap(([metric, ths]) => Object.entries(ths).map(([expression, ok]) => ({ metric, expression, ok })));
  const meta = runMeta({
    id,
    platform: run.platform,
    scenario,
    config: { count: 100, connection: 'reuse', ...run.config, settings: { region: 'local', mesh: null, pongDelayMs: 0, ...run.settings } },
    targets: run.pairs.map((p) => ({ name: p.target, url: `https://127.0.0.1/${p.target}`, auth: p.auth, platform: run.platform, source: p.source })),
    thresholds,
    exitCode: thresholds.every((t) => t.ok) ? 0 : 99,
    status: thresholds.every((t) => t.ok) ? 'passed' : 'thresholds-crossed',
    files: run.withNdjson === false ? { summary: 'summary.json' } : { summary: 'summary.json', metrics: 'metrics.ndjson.gz' },
  });
  await writeFile(path.join(dir, 'run.json'), JSON.stringify(meta, null, 2));
  if (run.withNdjson !== false) await writeFile(path.join(dir, 'metrics.ndjson.gz'), gzipSync(points.join('\n') + '\n'));
  return dir;
}

/** A run folder from the recorded real-k6 fixtures (pass or fail) plus a synthetic run.json. */
export async function writeFixtureRun(resultsDir: string, which: 'pass' | 'fail', stamp = '20261129T150527Z'): Promise<string> {
  const id = `${stamp}_k6fixture_reference`;
  const dir = path.join(resultsDir, id);
  await mkdir(dir, { recursive: true });
  await copyFile(path.join(FIXTURES, which, 'handle-summary.json'), path.join(dir, 'summary.json'));
  await copyFile(path.join(FIXTURES, which, 'out.ndjson.gz'), path.join(dir, 'metrics.ndjson.gz'));
  const exitCode = Number((await readFile(path.join(FIXTURES, which, 'exit-code.txt'), 'utf8')).trim());
  const meta = runMeta({
    id,
    platform: 'k6fixture',
    scenario: 'reference',
    engine: { name: 'k6', version: 'v1.3.0' },
    exitCode,
    status: exitCode === 0 ? 'passed' : 'thresholds-crossed',
    config: { script: 'reference.js', settings: {} },
  });
  await writeFile(path.join(dir, 'run.json'), JSON.stringify(meta, null, 2));
  return dir;
}
