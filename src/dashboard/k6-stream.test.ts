// k6's `--out json` stream into our dashboard: the named pipe (a real writer process, and a writer that
// never comes), and the feed checked against real k6 v1.3.0 output — its verdicts must be k6's own.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { totals } from '../results/timeseries.ts';
import { DASHBOARD_DEFAULTS } from './config.ts';
import { Dashboard } from './dashboard.ts';
import { K6Feed, K6Stream } from './k6-stream.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/k6-v1.3.0');
/** options.thresholds of test/fixtures/k6-v1.3.0/reference.js (P95 is 500 for "pass", 0.001 for "fail"). */
const referenceThresholds = (p95: string) => ({
  's2s_latency_ms{target:pong-sec}': [`p(95)<${p95}`, 'avg<1000'],
  s2s_ok: ['rate>0.5'],
  s2s_calls: ['count>10'],
  http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: false }],
  'http_req_duration{kind:load}': ['p(99)<1000'],
  checks: ['rate>0.5'],
});

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 's2s-k6-feed-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function exportOnly(exportPath: string | null = null): Promise<Dashboard> {
  return Dashboard.start({ config: { ...DASHBOARD_DEFAULTS, enabled: true, port: -1, periodMs: 500, exportPath }, title: 't', engine: 'k6 v1.3.0', log: () => undefined });
}

async function lines(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity })) out.push(line);
  return out;
}

describe('K6Stream (named pipe)', () => {
  it('delivers every line another process writes, then ends and removes the pipe', async () => {
    const stream = await K6Stream.create();
    const got: string[] = [];
    stream.start((l) => got.push(l));
    const writer = spawn(process.execPath, ['-e', `const fs=require('fs');const fd=fs.openSync(process.argv[1],'w');for(let i=0;i<5000;i++)fs.writeSync(fd,JSON.stringify({i})+'\\n');fs.closeSync(fd);`, stream.path], { stdio: 'ignore' });
    await new Promise<void>((resolve) => writer.once('exit', () => resolve()));
    await stream.end();
    expect(got).toHaveLength(5000);
    expect(JSON.parse(got[4999]!)).toEqual({ i: 4999 });
    expect(existsSync(stream.path)).toBe(false);
  });

  it('end() does not hang when the engine never opened the pipe (it failed at start-up)', async () => {
    const stream = await K6Stream.create();
    const got: string[] = [];
    stream.start((l) => got.push(l));
    const dead = spawn(process.execPath, ['-e', 'process.exit(107)'], { stdio: 'ignore' });
    await new Promise<void>((resolve) => dead.once('exit', () => resolve()));
    await stream.end();
    expect(got).toEqual([]);
    expect(existsSync(path.dirname(stream.path))).toBe(false);
  });
});

describe('K6Feed (differential against real k6 v1.3.0 output)', () => {
  it.each([
    ['pass', '500'],
    ['fail', '0.001'],
  ])('%s: the final verdicts and counts are k6\'s own; lines that are not k6 JSON are skipped', async (name, p95) => {
    const summary = JSON.parse(await readFile(path.join(FIXTURES, name, 'handle-summary.json'), 'utf8')) as {
      metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
    };
    const exportPath = path.join(tmp, 'dashboard.html');
    const dashboard = await exportOnly(exportPath);
    const feed = new K6Feed(dashboard, referenceThresholds(p95));
    feed.line('not json at all');
    feed.line('{"type":"Unknown"}');
    for (const l of await lines(path.join(FIXTURES, name, 'out.ndjson.gz'))) feed.line(l);
    expect(feed.skipped).toBe(2);
    await dashboard.finish();
    const snap = dashboard.snapshot();
    const expected = Object.entries(summary.metrics).flatMap(([metric, m]) => Object.entries(m.thresholds ?? {}).map(([expression, t]) => `${metric} ${expression} ${t.ok ? 'ok' : 'crossed'}`));
    expect(snap.verdicts.map((v) => `${v.metric} ${v.expression} ${v.state}`).sort()).toEqual(expected.sort());
    expect(totals(snap.series, 'http_reqs').count).toBe(summary.metrics.http_reqs!.values.count);
    expect(totals(snap.series, 'iterations').count).toBe(summary.metrics.iterations!.values.count);
    expect(existsSync(exportPath)).toBe(true);
  });
});

describe('K6Feed and tokens', () => {
  it('a token in k6 tags (url, name, error, check, group) and in a non-JSON line reaches neither the snapshot nor the export', async () => {
    const token = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(`{"sub":"${Math.random()}"}`).toString('base64url')}.sig`;
    const exportPath = path.join(tmp, 'dashboard.html');
    const dashboard = await exportOnly(exportPath);
    const feed = new K6Feed(dashboard, { http_req_failed: ['rate<0.5'] });
    const time = new Date().toISOString();
    const tags = { url: `https://pong/?t=${token}`, name: token, error: `401 bad token ${token}`, check: `ok ${token}`, group: `::${token}`, source: 'local', target: 'pong-sec' };
    feed.line(JSON.stringify({ type: 'Metric', data: { name: 'http_req_failed', type: 'rate', contains: 'default', thresholds: [], submetrics: null }, metric: 'http_req_failed' }));
    feed.line(JSON.stringify({ type: 'Metric', data: { name: 'http_req_duration', type: 'trend', contains: 'time', thresholds: [], submetrics: null }, metric: 'http_req_duration' }));
    for (let i = 0; i < 10; i++) {
      feed.line(JSON.stringify({ metric: 'http_req_failed', type: 'Point', data: { time, value: 1, tags } }));
      feed.line(JSON.stringify({ metric: 'http_req_duration', type: 'Point', data: { time, value: 3, tags } }));
    }
    feed.line(`level=error msg="request failed with ${token}"`);
    await dashboard.finish();
    const snapshot = JSON.stringify(dashboard.snapshot());
    expect(snapshot).toContain('http_req_duration{source:local,target:pong-sec}');
    expect(snapshot.includes(token)).toBe(false);
    expect((await readFile(exportPath, 'utf8')).includes(token)).toBe(false);
  });
});

function findK6(): string | null {
  const candidate = process.env.K6_BIN || 'k6';
  return spawnSync(candidate, ['version'], { encoding: 'utf8' }).status === 0 ? candidate : null;
}
const K6 = findK6();
if (!K6) console.info('k6-stream: real k6 not found (K6_BIN or PATH); skipping the live k6 → pipe → dashboard test');

describe.skipIf(!K6)('real k6 writing into the pipe', () => {
  it('k6 --out json=<pipe> reaches the dashboard sample for sample', async () => {
    const script = path.join(tmp, 'script.js');
    await writeFile(
      script,
      `import { Trend } from 'k6/metrics';
const t = new Trend('s2s_latency_ms', true);
export const options = { iterations: 50, vus: 2, thresholds: { 's2s_latency_ms{target:a}': ['p(95)<1000'] } };
export default function () { t.add(1 + (__ITER % 5), { source: 's', target: 'a' }); }
`,
    );
    const dashboard = await exportOnly();
    const feed = new K6Feed(dashboard, { 's2s_latency_ms{target:a}': ['p(95)<1000'] });
    const stream = await K6Stream.create();
    stream.start((l) => feed.line(l));
    const k6 = spawn(K6 as string, ['run', '-q', '--no-summary', '--out', `json=${stream.path}`, script], { stdio: 'ignore', env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
    const code = await new Promise<number | null>((resolve) => k6.once('exit', (c) => resolve(c)));
    await stream.end();
    await dashboard.finish();
    expect(code).toBe(0);
    const snap = dashboard.snapshot();
    expect(totals(snap.series, 's2s_latency_ms{source:s,target:a}').n).toBe(50);
    expect(totals(snap.series, 'iterations').count).toBe(50);
    expect(snap.verdicts).toEqual([{ metric: 's2s_latency_ms{target:a}', expression: 'p(95)<1000', state: 'ok', observed: expect.any(Number), unit: 'ms' }]);
  });
});
