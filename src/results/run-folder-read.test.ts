import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestRunFolders, loadSamples, parseMetricKey, readRunFolder, RunFolderError } from './run-folder-read.ts';
import { totals, trendSeries } from './timeseries.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/k6-v1.3.0');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 's2s-rfr-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('parseMetricKey', () => {
  it.each([
    ['s2s_latency_ms', 's2s_latency_ms', {}],
    ['s2s_latency_ms{target:pong-sec}', 's2s_latency_ms', { target: 'pong-sec' }],
    ['s2s_first_ms{source:gke,target:pong-unsec}', 's2s_first_ms', { source: 'gke', target: 'pong-unsec' }],
    ['http_req_duration{expected_response:true}', 'http_req_duration', { expected_response: 'true' }],
  ])('%s', (key, name, tags) => expect(parseMetricKey(key)).toEqual({ name, tags }));
});

describe('loadSamples on real k6 --out json', () => {
  it('rebuilds the tagged sub-metric exactly as k6 summarised it', async () => {
    const summary = JSON.parse(await readFile(path.join(FIXTURES, 'pass/handle-summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
    const s = await loadSamples(path.join(FIXTURES, 'pass/out.ndjson.gz'), {
      trendMetrics: new Set(['s2s_latency_ms', 'http_req_duration']),
      subMetricKeys: Object.keys(summary.metrics),
      timeMetric: 's2s_latency_ms',
      bucketMs: 100,
    });
    const sec = s.histograms.get('s2s_latency_ms{target:pong-sec}')!;
    expect(sec.count).toBe(20);
    expect(sec.meanMs).toBeCloseTo(summary.metrics['s2s_latency_ms{target:pong-sec}']!.values.avg!, 9);
    expect(s.histograms.get('s2s_latency_ms{target:pong-unsec}')!.count).toBe(101);
    const all = s.histograms.get('s2s_latency_ms')!;
    expect(all.meanMs).toBeCloseTo(summary.metrics.s2s_latency_ms!.values.avg!, 9);
    expect(all.maxMs).toBe(summary.metrics.s2s_latency_ms!.values.max);
    const load = s.histograms.get('http_req_duration{kind:load}')!;
    expect(load.meanMs).toBeCloseTo(summary.metrics['http_req_duration{kind:load}']!.values.avg!, 9);
    // the time series is the dashboard's per-period format; its totals are the histogram's
    const unsec = 's2s_latency_ms{target:pong-unsec}';
    expect(trendSeries(s.series!, unsec, 'meanMs').length).toBeGreaterThan(5);
    expect(totals(s.series!, unsec).n).toBe(101);
    expect(totals(s.series!, unsec).meanMs).toBeCloseTo(s.histograms.get(unsec)!.meanMs, 2);
    expect(s.problem).toBeNull();
  });

  it('a truncated last line (interrupted run) keeps what came before and says so', async () => {
    const text = gunzipSync(await readFile(path.join(FIXTURES, 'pass/out.ndjson.gz'))).toString('utf8');
    const file = path.join(tmp, 'truncated.ndjson.gz');
    await writeFile(file, gzipSync(text.slice(0, Math.floor(text.length / 2))));
    const s = await loadSamples(file, { trendMetrics: new Set(['s2s_latency_ms']) });
    expect(s.histograms.get('s2s_latency_ms')!.count).toBeGreaterThan(10);
    expect(s.problem).toMatch(/truncated\.ndjson\.gz:\d+: not a JSON line/);
  });
});

describe('readRunFolder / latestRunFolders', () => {
  it('names the folder and the fix when summary.json is missing or the folder does not exist', async () => {
    await expect(readRunFolder(path.join(tmp, 'nope'))).rejects.toThrow(/run folder .*nope does not exist/);
    await mkdir(path.join(tmp, 'empty'));
    await expect(readRunFolder(path.join(tmp, 'empty'))).rejects.toThrow(RunFolderError);
    await expect(readRunFolder(path.join(tmp, 'empty'))).rejects.toThrow(/summary\.json is missing/);
  });

  it('reads a folder with an invalid run.json, saying what is wrong', async () => {
    const dir = path.join(tmp, 'results', '20261129T150000Z_local_probe');
    await mkdir(dir, { recursive: true });
    await copyFile(path.join(FIXTURES, 'pass/handle-summary.json'), path.join(dir, 'summary.json'));
    await writeFile(path.join(dir, 'run.json'), JSON.stringify({ schemaVersion: 1 }));
    const f = await readRunFolder(dir);
    expect(f.meta).toBeNull();
    expect(f.metaProblem).toMatch(/run\.json does not match schemas\/run\.schema\.json/);
    expect(f.metricsPath).toBeNull();
  });

  it('picks the latest run of each platform/scenario', async () => {
    const results = path.join(tmp, 'results');
    for (const id of ['20261129T140000Z_local_probe', '20261129T160000Z_local_probe', '20261129T150000Z_local_load', '20261129T170000Z_gke_probe', '.tmp-x']) {
      await mkdir(path.join(results, id), { recursive: true });
      await writeFile(path.join(results, id, 'summary.json'), '{"metrics":{}}');
    }
    await mkdir(path.join(results, '20261129T180000Z_gke_probe')); // no summary.json: not a finished run
    expect((await latestRunFolders(results)).map((p) => path.basename(p))).toEqual(['20261129T150000Z_local_load', '20261129T160000Z_local_probe', '20261129T170000Z_gke_probe']);
  });
});
