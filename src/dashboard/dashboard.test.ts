// The dashboard on its own: a real server on port 0, a real event-stream client, the export on disk.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricType, ValueType } from '../results/metrics.ts';
import type { PeriodRow } from '../results/timeseries.ts';
import { DASHBOARD_DEFAULTS, type DashboardConfig } from './config.ts';
import { Dashboard, type DashboardOptions } from './dashboard.ts';
import { DATA_ELEMENT_ID, type DashboardSnapshot, type LiveVerdict } from './model.ts';
import { openInBrowser } from './open.ts';
import { PANELS } from './panels.ts';
import { DashboardListenError } from './server.ts';
import { SseClient } from './testing/sse-client.ts';

const metric = (name: string, type: MetricType, contains: ValueType = 'default') => ({ name, type, contains });
const LATENCY = metric('s2s_latency_ms', 'trend', 'time');
const REQS = metric('http_reqs', 'counter');
const VERDICT: LiveVerdict = { metric: 's2s_latency_ms', expression: 'p(95)<100', state: 'ok', observed: 1.5, unit: 'ms' };

let tmp: string;
const started: Dashboard[] = [];
const logs: string[] = [];
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 's2s-dashboard-'));
  logs.length = 0;
});
afterEach(async () => {
  for (const d of started.splice(0)) await d.finish();
  await rm(tmp, { recursive: true, force: true });
});

async function start(config: Partial<DashboardConfig>, extra: Partial<DashboardOptions> = {}): Promise<Dashboard> {
  const d = await Dashboard.start({
    config: { ...DASHBOARD_DEFAULTS, enabled: true, port: 0, periodMs: 100, ...config },
    title: 'local · load',
    engine: 'test engine',
    log: (level, message) => logs.push(`${level}: ${message}`),
    ...extra,
  });
  started.push(d);
  return d;
}

async function text(url: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: string }> {
  const r = await fetch(url, init);
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('Dashboard', () => {
  it('serves the live page with every panel and its script inlined; nothing else', async () => {
    const d = await start({});
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await text(d.url!);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    for (const p of PANELS) expect(page.body).toContain(`data-panel="${p.id}"`);
    expect(page.body).toContain('new EventSource("events")');
    expect(page.body).not.toContain(DATA_ELEMENT_ID + '">'); // no data island: the live page gets its data from /events
    // self-contained: no script, style or image from anywhere
    expect(page.body).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)|<img[^>]+src="(?!data:)/);
    expect((await text(new URL('nope', d.url!).href)).status).toBe(404);
    expect((await text(d.url!, { method: 'POST' })).status).toBe(405);
  });

  it('streams meta, then each period as it closes with the verdicts, then the end — and closes the stream', async () => {
    const d = await start({});
    d.setVerdictSource(() => [VERDICT]);
    const sse = await SseClient.connect(new URL('events', d.url!).href);
    await sse.waitFor(() => sse.of('meta').length === 1, 'meta');
    expect(sse.of('meta')[0]).toMatchObject({ title: 'local · load', engine: 'test engine', periodMs: 100 });
    // samples over ~3 periods, stamped now: each period reaches the stream once it is over
    for (let i = 0; i < 3; i++) {
      d.ingest(REQS, 1, {}, Date.now());
      d.ingest(LATENCY, 2 + i, { source: 'local', target: 'pong-sec' }, Date.now());
      await sse.waitFor(() => sse.of('period').length >= i + 1, `period ${i + 1}`);
    }
    expect(sse.of('verdicts').at(-1)).toEqual([VERDICT]);
    const rows = sse.of('period') as PeriodRow[];
    expect(rows.map((r) => r.startMs)).toEqual(rows.map((_, i) => i * 100));
    expect(rows.some((r) => r.trends['s2s_latency_ms{source:local,target:pong-sec}']?.n === 1)).toBe(true);
    await d.finish([{ ...VERDICT, state: 'crossed' }]);
    await sse.ended;
    expect(sse.of('end')).toEqual([{ verdicts: [{ ...VERDICT, state: 'crossed' }] }]);
  });

  it('a browser that connects late first gets every period so far', async () => {
    const d = await start({});
    const first = await SseClient.connect(new URL('events', d.url!).href);
    d.ingest(REQS, 1, {}, Date.now());
    await first.waitFor(() => first.of('period').length >= 2, 'two periods');
    const late = await SseClient.connect(new URL('events', d.url!).href);
    await late.waitFor(() => late.of('verdicts').length >= 1, 'the replay');
    expect(late.events[0]?.type).toBe('meta');
    expect((late.of('period') as PeriodRow[]).slice(0, 2)).toEqual((first.of('period') as PeriodRow[]).slice(0, 2));
    first.close();
    late.close();
  });

  it('finish() never waits for a browser: the port is free even with a client still connected', async () => {
    const d = await start({});
    const sse = await SseClient.connect(new URL('events', d.url!).href);
    const port = Number(new URL(d.url!).port);
    await d.finish();
    await sse.ended;
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  it('a port in use is an error naming the address, the variable and the way out', async () => {
    const holder = createServer();
    const port = await listen(holder);
    try {
      const err = await start({ port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DashboardListenError);
      expect((err as Error).message).toBe(
        `web dashboard: 127.0.0.1:${port} is already in use (K6_WEB_DASHBOARD_PORT=${port}); stop what listens there, choose another port with K6_WEB_DASHBOARD_PORT, or set it to -1 for the export only`,
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('port -1: no server, and the export and the series are still written at the end', async () => {
    const exportPath = path.join(tmp, 'sub', 'dashboard.html');
    const seriesPath = path.join(tmp, 'timeseries.json');
    const d = await start({ port: -1, exportPath }, { seriesPath });
    expect(d.url).toBeNull();
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) d.ingest(REQS, 2, {}, t0 + i * 50);
    d.setVerdictSource(() => [VERDICT]);
    await d.finish();
    const html = await readFile(exportPath, 'utf8');
    const island = new RegExp(`<script type="application/json" id="${DATA_ELEMENT_ID}">(.*?)</script>`, 's').exec(html);
    const snap = JSON.parse(island![1]!) as DashboardSnapshot;
    expect(snap).toMatchObject({ ended: true, verdicts: [VERDICT], meta: { title: 'local · load', periodMs: 100 } });
    expect(snap.series.periods.reduce((a, r) => a + (r.counters.http_reqs ?? 0), 0)).toBe(10);
    for (const p of PANELS) expect(html).toContain(`data-panel="${p.id}"`);
    expect(JSON.parse(await readFile(seriesPath, 'utf8'))).toEqual(snap.series);
    expect(logs).toEqual([]);
  });

  it('an export that cannot be written is reported, not thrown', async () => {
    const blocker = path.join(tmp, 'file');
    await writeFile(blocker, 'x');
    const d = await start({ port: -1, exportPath: path.join(blocker, 'dashboard.html') });
    await d.finish();
    expect(logs.join('\n')).toMatch(/^error: web dashboard: cannot write the export .*file\/dashboard\.html/);
  });

  it('K6_WEB_DASHBOARD_OPEN hands the URL to the opener once listening', async () => {
    const opened: string[] = [];
    const d = await start({ open: true }, { openBrowser: (url) => opened.push(url) });
    expect(opened).toEqual([d.url]);
  });
});

describe('openInBrowser', () => {
  it('starts xdg-open with the URL, detached, and never waits for it', async () => {
    const bin = path.join(tmp, 'bin');
    const record = path.join(tmp, 'argv.json');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin));
    await writeFile(path.join(bin, 'xdg-open'), `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));\n`);
    await chmod(path.join(bin, 'xdg-open'), 0o755);
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${oldPath ?? ''}`;
    try {
      const warnings: string[] = [];
      openInBrowser('http://127.0.0.1:5665/', (w) => warnings.push(w), 'linux');
      let argv: string | null = null;
      for (let i = 0; i < 300 && argv === null; i++) {
        argv = await readFile(record, 'utf8').catch(() => null);
        if (argv === null) await new Promise((r) => setTimeout(r, 20));
      }
      expect(JSON.parse(argv ?? 'null')).toEqual(['http://127.0.0.1:5665/']);
      expect(warnings).toEqual([]);
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it('a machine without an opener gets a warning naming it and the URL', async () => {
    const warnings: string[] = [];
    const oldPath = process.env.PATH;
    process.env.PATH = tmp;
    try {
      openInBrowser('http://127.0.0.1:1/', (w) => warnings.push(w), 'linux');
      for (let i = 0; i < 300 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      process.env.PATH = oldPath;
    }
    expect(warnings[0]).toMatch(/^K6_WEB_DASHBOARD_OPEN: cannot start xdg-open \(.*\); open http:\/\/127\.0\.0\.1:1\/ yourself$/);
  });
});
