import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricRegistry, defineBuiltinMetrics } from './metrics.ts';
import { JsonOutput, formatRfc3339Nano, parseRfc3339Ms, readNdjson, replayNdjson, type NdjsonLine } from './ndjson.ts';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/k6-v1.3.0/', import.meta.url));

/** Key structure of a line: top-level keys in order, data keys in order (and submetric entry keys). */
function shape(line: NdjsonLine): string {
  const data = line.data as unknown as Record<string, unknown>;
  const subs = line.type === 'Metric' && line.data.submetrics ? Object.keys(line.data.submetrics[0] ?? {}).join(',') : '';
  return `${line.type}: ${Object.keys(line).join(',')} | ${Object.keys(data).join(',')} | ${subs}`;
}

async function collect(path: string): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = [];
  for await (const l of readNdjson(path)) out.push(l);
  return out;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's2s-ndjson-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('RFC 3339 times', () => {
  it('formats with microsecond digits, trailing zeros trimmed, and parses nanoseconds back', () => {
    const ms = Date.UTC(2026, 10, 29, 15, 5, 27) + 889.72107;
    const s = formatRfc3339Nano(ms);
    expect(s).toBe('2026-11-29T15:05:27.889721Z');
    expect(parseRfc3339Ms('2026-11-29T15:05:27.88972107Z')).toBeCloseTo(ms, 3);
    expect(formatRfc3339Nano(Date.UTC(2026, 0, 1))).toBe('2026-01-01T00:00:00Z');
    expect(formatRfc3339Nano(Date.UTC(2026, 0, 1) + 0.5)).toBe('2026-01-01T00:00:00.0005Z');
  });
});

describe('JsonOutput', () => {
  it.each(['out.ndjson', 'out.ndjson.gz'])('writes k6 line shapes (%s) that read back with the fixture key sets', async (name) => {
    const fixture = await collect(join(FIXTURE, 'pass/out.ndjson.gz'));
    const thresholds = { expressionsFor: (k: string) => (k === 'http_req_failed' ? ['rate<0.5'] : []) };
    const path = join(dir, name);
    const r = new MetricRegistry();
    r.addSubmetric('http_req_duration{kind:load}');
    defineBuiltinMetrics(r);
    const out = JsonOutput.open(path, thresholds);
    out.attach(r);
    const tags = { scenario: 'probe', group: '', status: '200', expected_response: 'true', kind: 'load' };
    for (let i = 0; i < 5000; i++) {
      r.add('http_reqs', 1, tags);
      r.add('http_req_duration', 1 + i / 1000, tags);
      r.add('http_req_failed', 0, tags);
    }
    r.add('vus', 3, {});
    await out.close();
    r.add('http_reqs', 1, tags); // after close: not written, no error
    const raw = await readFile(path);
    expect(name.endsWith('.gz') ? raw[0] === 0x1f && raw[1] === 0x8b : raw[0] === 0x7b).toBe(true);
    const lines = await collect(path);
    expect(lines).toHaveLength(4 + 15001);
    expect(out.lines).toBe(lines.length);
    // Same key order per line type as real k6.
    const fixtureShapes = new Set(fixture.map(shape));
    for (const l of lines) expect(fixtureShapes).toContain(shape(l));
    // Metric line first, once per metric, before its first Point.
    const metricIdx = lines.findIndex((l) => l.type === 'Metric' && l.metric === 'http_req_duration');
    const pointIdx = lines.findIndex((l) => l.type === 'Point' && l.metric === 'http_req_duration');
    expect(metricIdx).toBeLessThan(pointIdx);
    expect(lines.filter((l) => l.type === 'Metric').map((l) => l.metric)).toEqual(['http_reqs', 'http_req_duration', 'http_req_failed', 'vus']);
    const dur = lines[metricIdx]!;
    const fixtureDur = fixture.find((l) => l.type === 'Metric' && l.metric === 'http_req_duration')!;
    expect(dur).toEqual(fixtureDur);
    const failed = lines.find((l) => l.type === 'Metric' && l.metric === 'http_req_failed')!;
    expect(failed).toEqual(fixture.find((l) => l.type === 'Metric' && l.metric === 'http_req_failed'));
    // Tags sorted like Go maps, time RFC 3339 with sub-second digits.
    const p = lines.find((l) => l.type === 'Point' && l.metric === 'http_reqs')!;
    expect(p.type === 'Point' && Object.keys(p.data.tags ?? {})).toEqual(['expected_response', 'group', 'kind', 'scenario', 'status']);
    expect(p.type === 'Point' && p.data.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    const vus = lines.at(-1)!;
    expect(vus).toMatchObject({ metric: 'vus', type: 'Point', data: { value: 3, tags: {} } });
  });

  it('reports an unwritable path from close(), naming it', async () => {
    const out = JsonOutput.open(join(dir, 'missing-dir', 'x.ndjson'));
    await expect(out.close()).rejects.toThrow(/missing-dir/);
  });

  it('waitForDrain resolves when little is queued', async () => {
    const out = JsonOutput.open(join(dir, 'drain.ndjson'));
    await expect(out.waitForDrain()).resolves.toBeUndefined();
    await out.close();
  });
});

describe('readNdjson / replayNdjson', () => {
  it('reads the fixture (gzip) and a plain copy alike', async () => {
    const gz = await readFile(join(FIXTURE, 'pass/out.ndjson.gz'));
    const plain = join(dir, 'plain-copy.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(plain, gunzipSync(gz)));
    const a = await collect(join(FIXTURE, 'pass/out.ndjson.gz'));
    const b = await collect(plain);
    expect(a.length).toBe(3132);
    expect(b).toEqual(a);
  });
  it('replays Points into a registry with the metric types of the Metric lines', async () => {
    const r = new MetricRegistry();
    const res = await replayNdjson(readNdjson(join(FIXTURE, 'pass/out.ndjson.gz')), r);
    expect(res.points).toBe(3132 - 21);
    expect(r.get('http_reqs')!.sink.aggregate('count', 1)).toBe(222);
    expect(r.lookup('http_req_duration{kind:load}')!.sink.samples).toBe(202);
  });
  it('names the file and line of a broken line', async () => {
    const p = join(dir, 'broken.ndjson');
    await import('node:fs/promises').then((fs) => fs.writeFile(p, '{"type":"Point","metric":"x","data":{}}\nnot json\n'));
    await expect(collect(p)).rejects.toThrow(`${p}:2`);
  });
});
