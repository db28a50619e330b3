import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runMetaSchema } from '../results/run-meta.ts';
import { collect, MANIFEST_FILE } from './collect.ts';
import { main as collectCli } from './collect-cli.ts';

const fixtures = new URL('../../test/fixtures/k6-v1.3.0/', import.meta.url).pathname;
const lines = gunzipSync(readFileSync(path.join(fixtures, 'pass/out.ndjson.gz'))).toString('utf8').trim().split('\n');
const fixturePass = JSON.parse(readFileSync(path.join(fixtures, 'pass/handle-summary.json'), 'utf8'));

// reference.js's thresholds, as `npm run distributed` would record them in distributed.json.
const thresholds = (p95: string) => ({
  's2s_latency_ms{target:pong-sec}': [`p(95)<${p95}`, 'avg<1000'],
  s2s_ok: ['rate>0.5'],
  s2s_calls: ['count>10'],
  http_req_failed: ['rate<0.5'],
  'http_req_duration{kind:load}': ['p(99)<1000'],
  checks: ['rate>0.5'],
});

const work = mkdtempSync(path.join(tmpdir(), 's2s-collect-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Splits the recorded run into n runner outputs: Points dealt round-robin, each Metric line where first needed. */
async function split(n: number, p95: string): Promise<string> {
  const dir = mkdtempSync(path.join(work, `split${n}-`));
  const parts: string[][] = Array.from({ length: n }, () => []);
  const declared: Array<Set<string>> = parts.map(() => new Set());
  const metricLine = new Map<string, string>();
  let i = 0;
  for (const line of lines) {
    const obj = JSON.parse(line);
    if (obj.type === 'Metric') {
      metricLine.set(obj.metric, line);
      continue;
    }
    const k = i++ % n;
    if (!declared[k]!.has(obj.metric)) {
      parts[k]!.push(metricLine.get(obj.metric)!);
      declared[k]!.add(obj.metric);
    }
    parts[k]!.push(line);
  }
  for (let k = 0; k < n; k++) {
    mkdirSync(path.join(dir, `runner-${k}`));
    await pipeline(Readable.from([`${parts[k]!.join('\n')}\n`]), createGzip(), createWriteStream(path.join(dir, `runner-${k}`, 'out.ndjson.gz')));
  }
  const manifest = { name: 'ref', platform: 'local', scenario: 'reference', parallelism: n, createdAt: new Date().toISOString(), config: { thresholds: thresholds(p95) } };
  writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  return dir;
}

const read = (dir: string, f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));

describe('collect', () => {
  it('gives the same summary and verdicts from 1 or 4 runners, and the recorded run’s verdicts', async () => {
    const whole = await collect({ inputs: [await split(1, '500')], resultsDir: path.join(work, 'r1') });
    const parts = await collect({ inputs: [await split(4, '500')], resultsDir: path.join(work, 'r4') });
    expect(whole.exitCode).toBe(0);
    expect(parts.exitCode).toBe(0);
    expect(parts.files).toHaveLength(4);
    const a = read(whole.dir, 'summary.json');
    const b = read(parts.dir, 'summary.json');
    expect(Object.keys(b.metrics).sort()).toEqual(Object.keys(a.metrics).sort());
    for (const key of Object.keys(a.metrics)) {
      if (a.metrics[key].type === 'counter') continue; // rates per second depend only on the shared time span
      for (const [stat, v] of Object.entries(a.metrics[key].values)) expect(b.metrics[key].values[stat], `${key} ${stat}`).toBeCloseTo(v as number, 9);
    }
    // Every metric of the recorded run is there, with its values within HDR precision and the same verdicts.
    for (const [key, m] of Object.entries<any>(fixturePass.metrics)) {
      expect(b.metrics[key], key).toBeDefined();
      for (const [expr, v] of Object.entries<any>(m.thresholds ?? {})) expect(b.metrics[key].thresholds[expr].ok, `${key} ${expr}`).toBe(v.ok);
      if (m.type === 'trend') {
        for (const stat of ['min', 'max', 'avg']) expect(b.metrics[key].values[stat], `${key} ${stat}`).toBeCloseTo(m.values[stat], 6);
        for (const stat of ['med', 'p(90)', 'p(95)']) {
          const want = m.values[stat];
          expect(Math.abs(b.metrics[key].values[stat] - want), `${key} ${stat}`).toBeLessThanOrEqual(Math.max(want * 0.01, 0.002));
        }
      }
      if (m.type === 'rate') expect(b.metrics[key].values).toMatchObject({ passes: m.values.passes, fails: m.values.fails });
    }
    // The check tree is rebuilt from the checks Points.
    expect(b.root_group.groups[0].checks[0]).toMatchObject({ name: 'status is 200', passes: 20, fails: 0 });
    expect(b.root_group.checks[0]).toMatchObject({ name: 'status is 200', passes: 101, fails: 0 });
    // A normal run folder: run.json valid, junit, merged metrics.
    const meta = runMetaSchema.parse(read(parts.dir, 'run.json'));
    expect(meta.files).toMatchObject({ summary: 'summary.json', console: 'console.txt', metrics: 'metrics.ndjson.gz', junit: 'junit.xml' });
    const merged = gunzipSync(readFileSync(path.join(parts.dir, 'metrics.ndjson.gz'))).toString('utf8').trim().split('\n');
    expect(merged.filter((l) => l.includes('"type":"Point"'))).toHaveLength(lines.filter((l) => l.includes('"type":"Point"')).length);
  });

  it('crosses the threshold globally (exit 99) exactly like the recorded failing run', async () => {
    const r = await collect({ inputs: [await split(3, '0.001')], resultsDir: path.join(work, 'fail') });
    expect(r.exitCode).toBe(99);
    const crossed = r.meta.thresholds.filter((t) => !t.ok).map((t) => `${t.metric} ${t.expression}`);
    expect(crossed).toEqual(['s2s_latency_ms{target:pong-sec} p(95)<0.001']);
    expect(readFileSync(path.join(r.dir, 'junit.xml'), 'utf8')).toContain('threshold crossed: p(95)&lt;0.001');
  });

  it('the CLI says what is missing and exits 2 for a folder with no outputs', async () => {
    const empty = mkdtempSync(path.join(work, 'empty-'));
    const chunks: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => (chunks.push(String(c)), true)) as typeof process.stderr.write;
    try {
      expect(await collectCli([empty])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(chunks.join('')).toMatch(/no --out json files \(\*\.ndjson or \*\.ndjson\.gz\) under/);
  });
});
