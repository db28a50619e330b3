// The report against real k6 output (the v1.3.0 fixtures) and synthetic scenario runs.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/report/cli.ts';
import { parseFormatted } from '../../src/report/format.ts';
import { TimeSeriesBuilder } from '../../src/results/timeseries-builder.ts';
import { firstPhases, lognormal, writeFixtureRun, writeSynthRun } from './synth.ts';

interface MdTable {
  headers: string[];
  rows: string[][];
}

/** The Markdown tables of a report, in order. */
function mdTables(md: string): MdTable[] {
  const out: MdTable[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('| ') || !lines[i + 1]?.startsWith('|---')) continue;
    const cells = (l: string) => l.slice(2, -2).split(' | ').map((c) => c.replace(/\\\|/g, '|'));
    const t: MdTable = { headers: cells(lines[i]!), rows: [] };
    for (i += 2; i < lines.length && lines[i]!.startsWith('| '); i++) t.rows.push(cells(lines[i]!));
    out.push(t);
  }
  return out;
}

function expectShown(text: string, value: number, what: string): void {
  const shown = parseFormatted(text.replace(/\*$/, ''));
  const tol = Math.max(Math.abs(value) * 5e-4, 5e-7); // 4 significant digits
  expect(Math.abs(shown - value), `${what}: shown "${text}", summary ${value}`).toBeLessThanOrEqual(tol);
}

const fixtureSummary = async () =>
  JSON.parse(await readFile(path.resolve(import.meta.dirname, '../fixtures/k6-v1.3.0/pass/handle-summary.json'), 'utf8')) as {
    metrics: Record<string, { type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
  };

describe('report from the real k6 v1.3.0 fixtures', () => {
  let tmp: string;
  let md: string;
  let html: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 's2s-report-'));
    const dir = await writeFixtureRun(path.join(tmp, 'results'), 'pass');
    expect(await main([dir, '--out', path.join(tmp, 'out')])).toBe(0);
    md = await readFile(path.join(tmp, 'out', 'report.md'), 'utf8');
    html = await readFile(path.join(tmp, 'out', 'index.html'), 'utf8');
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('shows every handleSummary number (all metrics tables in report.md)', async () => {
    const summary = await fixtureSummary();
    const tables = mdTables(md).filter((t) => t.headers[0] === 'metric' && t.headers.at(-1) === 'thresholds');
    const rows = new Map(tables.flatMap((t) => t.rows.map((r) => [r[0]!.replace(/`/g, ''), { t, r }] as const)));
    let checked = 0;
    for (const [name, m] of Object.entries(summary.metrics)) {
      const row = rows.get(name);
      expect(row, `row for ${name}`).toBeDefined();
      for (const [stat, value] of Object.entries(m.values)) {
        const col = row!.t.headers.indexOf(stat);
        expect(col, `${name} column ${stat}`).toBeGreaterThan(0);
        let text = row!.r[col]!;
        if (text.endsWith('/s') && m.type === 'counter' && /B\/s$/.test(text)) text = text.slice(0, -2);
        expectShown(text.replace(/\/s$/, ''), value, `${name} ${stat}`);
        checked++;
      }
      for (const [expr, t] of Object.entries(m.thresholds ?? {})) expect(row!.r.at(-1)).toContain(`${t.ok ? '✅' : '❌'} \`${expr}\``);
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('the pair table uses the summary for the tagged sub-metric and the samples for the rest', async () => {
    const summary = await fixtureSummary();
    const t = mdTables(md).find((x) => x.headers.includes('warm mean (ms)'))!;
    // Key columns first, one unit per column (ms in the header, plain numbers in the cells).
    expect(t.headers.slice(0, 5)).toEqual(['run', 'source → target', 'n (warm)', 'errors', 'p50 (ms)']);
    const sec = t.rows.find((r) => r[1] === '→ pong-sec')!;
    const v = summary.metrics['s2s_latency_ms{target:pong-sec}']!.values;
    expectShown(sec[t.headers.indexOf('warm mean (ms)')]!, v.avg!, 'avg');
    expectShown(sec[t.headers.indexOf('p50 (ms)')]!, v.med!, 'med');
    expectShown(sec[t.headers.indexOf('p90 (ms)')]!, v['p(90)']!, 'p90');
    expectShown(sec[t.headers.indexOf('max (ms)')]!, v.max!, 'max');
    for (const h of t.headers.filter((x) => x.endsWith('(ms)'))) {
      for (const r of t.rows) expect(r[t.headers.indexOf(h)], h).toMatch(/^(—|[+−-]?\d+(\.\d+)?\*?)$/);
    }
    expect(sec[t.headers.indexOf('n (warm)')]).toBe('20'); // probe: 20 iterations
    const unsec = t.rows.find((r) => r[1] === '→ pong-unsec')!;
    expect(unsec[t.headers.indexOf('n (warm)')]).toBe('101');
    expect(unsec[t.headers.indexOf('p99 (ms)')]).toMatch(/\*$/);
  });

  it('HTML shows the same numbers, charts for both targets and the threshold verdicts', async () => {
    const summary = await fixtureSummary();
    const { document } = parseHTML(html);
    const cells = [...document.querySelectorAll('tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''));
    const row = cells.find((c) => c[0] === 'http_req_duration')!;
    const headers = [...row.length ? document.querySelectorAll('th') : []];
    expect(headers.length).toBeGreaterThan(0);
    expectShown(row[1]!, summary.metrics.http_req_duration!.values.avg!, 'http_req_duration avg (first column)');
    expect(document.querySelectorAll('figure.chart svg').length).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('p(95)&lt;500');
  });
});

describe('report from synthetic scenario runs', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 's2s-report-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('picks the latest run per platform/scenario, warns on differing settings, draws every chart', async () => {
    const results = path.join(tmp, 'results');
    const pairs = (scale: number, seed: number) => [
      { source: 'x', target: 'pong-sec', auth: 'id-token' as const, warmMs: lognormal(800, 0.9 * scale, 0.3, seed), first: firstPhases(8, seed) },
      { source: 'x', target: 'pong-unsec', auth: 'none' as const, warmMs: lognormal(800, 0.6 * scale, 0.3, seed + 1), first: firstPhases(8, seed + 1, 0.5) },
    ];
    await writeSynthRun(results, { platform: 'local', stamp: '20261129T140000Z', pairs: pairs(5, 1) }); // older: ignored
    await writeSynthRun(results, { platform: 'local', stamp: '20261129T150000Z', pairs: pairs(1, 2), thresholds: { 's2s_first_ms{source:x,target:pong-sec}': { 'p(95)<1': false } } });
    await writeSynthRun(results, { platform: 'gke', stamp: '20261129T150100Z', pairs: pairs(1.5, 3), settings: { mesh: 'sidecar', region: 'europe-west1' } });
    await writeSynthRun(results, { platform: 'cloudrun', stamp: '20261129T150200Z', pairs: pairs(1.2, 4), withNdjson: false });
    expect(await main(['--results', results])).toBe(0);
    const out = path.join(results, 'report');
    const files = (await readdir(out)).sort();
    // One latency-over-time panel per run (each on its own time axis); cloudrun has no samples: a message, no file.
    expect(files).toEqual(['cdf-pong-sec.svg', 'cdf-pong-unsec.svg', 'index.html', 'latency-over-time-1-local.svg', 'latency-over-time-2-gke_sidecar_.svg', 'phases.svg', 'report.md']);
    const md = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(md).not.toContain('20261129T140000Z');
    expect(md).toMatch(/⚠️ \*\*These runs used different region/);
    expect(md).toContain('mesh sidecar vs none');
    // Only comparable pairs are compared; the others are named with the reason (here: no samples).
    expect(md).toMatch(/Not compared: .*cloudrun.* — no metrics\.ndjson\.gz in cloudrun/);
    expect(md).toMatch(/❌ \*\*1 threshold\(s\) crossed/);
    // One threshold table per run, verdict first.
    const thresholdTables = mdTables(md).filter((x) => x.headers[0] === 'verdict' && x.headers[1] === 'metric');
    expect(thresholdTables).toHaveLength(1); // only the local run set thresholds
    expect(md.match(/No thresholds were set in this run/g)).toHaveLength(2);
    // the post's "mean of all calls" = (first sum + warm sum) / (first n + warm n)
    const t = mdTables(md).find((x) => x.headers.includes('mean of all calls (ms)'))!;
    expect(t.rows.filter((r) => r[0] === 'local')).toHaveLength(2);
    const d = mdTables(md).find((x) => x.headers[0] === 'comparison')!;
    expect(d.headers.slice(0, 3)).toEqual(['comparison', 'verdict', 'relative (95% CI)']);
    for (const f of files.filter((f) => f.endsWith('.svg'))) {
      const svg = await readFile(path.join(out, f), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), f).toBe(true);
      expect(parseHTML(`<div>${svg}</div>`).document.querySelectorAll('path, rect').length, f).toBeGreaterThan(3);
    }
    const again = path.join(tmp, 'again');
    expect(await main(['--results', results, '--out', again])).toBe(0);
    const strip = (s: string) => s.replace(/Generated \S+/, '');
    expect(strip(await readFile(path.join(again, 'report.md'), 'utf8'))).toBe(strip(md)); // seeded: reproducible
  });

  it('compares only runs of the same scenario and protocol, naming the pairs it skips', async () => {
    const results = path.join(tmp, 'mixed');
    const pairs = (scale: number, seed: number) => [{ source: 'x', target: 'pong-sec', auth: 'none' as const, warmMs: lognormal(300, scale, 0.3, seed), first: firstPhases(3, seed) }];
    await writeSynthRun(results, { platform: 'local', stamp: '20261129T150000Z', pairs: pairs(1, 1) });
    await writeSynthRun(results, { platform: 'local', scenario: 'load', stamp: '20261129T150100Z', pairs: pairs(1, 2) });
    await writeSynthRun(results, { platform: 'gke', stamp: '20261129T150200Z', pairs: pairs(1.2, 3), settings: { count: 50 } });
    await writeSynthRun(results, { platform: 'cloudrun', stamp: '20261129T150300Z', pairs: pairs(1.1, 4) });
    expect(await main(['--results', results])).toBe(0);
    const md = await readFile(path.join(results, 'report', 'report.md'), 'utf8');
    const d = mdTables(md).find((x) => x.headers[0] === 'comparison')!;
    expect([...new Set(d.rows.map((r) => r[0]))]).toEqual(['pong-sec: cloudrun vs local probe']);
    expect(md).toMatch(/pong-sec: local load vs local probe — different scenarios \(probe vs load\)/);
    expect(md).toMatch(/pong-sec: gke vs local probe — different count \(.*\)/);
  });

  it('a glob that includes a failed run’s folder (no summary.json) reports the rest and names the skipped folder', async () => {
    const results = path.join(tmp, 'with-failed');
    await writeSynthRun(results, { platform: 'local', stamp: '20261129T150000Z', pairs: [{ source: 'x', target: 'pong-sec', auth: 'none', warmMs: lognormal(50, 1, 0.3, 1), first: firstPhases(2, 1) }] });
    const failed = path.join(results, '20261129T150100Z_local_probe');
    await mkdir(failed, { recursive: true });
    await writeFile(path.join(failed, 'run.json'), JSON.stringify({ status: 'error', exitCode: 104 }));
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      expect(await main([`${results}/*_local_probe`, '--out', path.join(tmp, 'with-failed-out')])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(err).toMatch(/skipped \S*20261129T150100Z_local_probe: no summary\.json: the run ended before the engine wrote one \(status error, exit 104\)/);
    expect(await readFile(path.join(tmp, 'with-failed-out', 'report.md'), 'utf8')).toMatch(/Skipped \S*20261129T150100Z_local_probe: no summary\.json/);
  });

  it('too little data gives a message in place of a chart', async () => {
    const results = path.join(tmp, 'tiny');
    await writeSynthRun(results, { platform: 'local', stamp: '20261129T150000Z', pairs: [{ source: 'x', target: 'pong-sec', auth: 'none', warmMs: [1], first: firstPhases(1, 1) }] });
    expect(await main(['--results', results])).toBe(0);
    const md = await readFile(path.join(results, 'report', 'report.md'), 'utf8');
    expect(md).toMatch(/too little data for a distribution/);
    expect(md).toMatch(/too little data over time/);
    expect((await readdir(path.join(results, 'report'))).filter((f) => f.startsWith('cdf-'))).toEqual([]);
  });

  it('a load run without metrics.ndjson.gz draws latency over time from its timeseries.json (the dashboard\'s format)', async () => {
    const results = path.join(tmp, 'load');
    const dir = await writeSynthRun(results, { platform: 'local', scenario: 'load', stamp: '20261129T150000Z', pairs: [{ source: 'x', target: 'pong-sec', auth: 'none', warmMs: lognormal(400, 1, 0.3, 7), first: firstPhases(4, 7) }], withNdjson: false });
    // what the dashboard writes at the end of a run: one row per period
    const builder = new TimeSeriesBuilder(1000, Date.parse('2026-11-29T15:00:00Z'));
    const latency = { name: 's2s_latency_ms', type: 'trend', contains: 'time' } as const;
    lognormal(400, 1, 0.3, 7).forEach((v, i) => builder.add(latency, v, { source: 'x', target: 'pong-sec' }, Date.parse('2026-11-29T15:00:00Z') + i * 10));
    builder.finish();
    await writeFile(path.join(dir, 'timeseries.json'), JSON.stringify(builder.doc()));
    expect(await main(['--results', results])).toBe(0);
    const out = path.join(results, 'report');
    expect(await readdir(out)).toContain('latency-over-time.svg');
    const md = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('![Mean warm-call latency per time bucket](latency-over-time.svg)');
    expect(md).toContain('latency over time comes from timeseries.json');
    const svg = await readFile(path.join(out, 'latency-over-time.svg'), 'utf8');
    expect(parseHTML(`<div>${svg}</div>`).document.querySelectorAll('path').length).toBeGreaterThan(0);
  });

  it('bad input exits 2 with a message naming the folder', async () => {
    expect(await main([path.join(tmp, 'does-not-exist')])).toBe(2);
    expect(await main(['--results', path.join(tmp, 'empty')])).toBe(2);
  });
});
