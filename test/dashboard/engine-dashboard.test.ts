// `s2s run` with k6's dashboard switches, as a real process: the live event stream during the run, the
// export at the end, a port in use refused before any iteration, and a token injected into a run (as a
// header value, in an error message, in tags, check and group names) found nowhere the dashboard writes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSnapshot, LiveVerdict } from '../../src/dashboard/model.ts';
import { PANELS } from '../../src/dashboard/panels.ts';
import { SseClient } from '../../src/dashboard/testing/sse-client.ts';
import type { PeriodRow } from '../../src/results/timeseries.ts';
import { ROOT, startPong, writeScript } from '../engine/harness.ts';

interface Run {
  result: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Resolves with the live page's URL once the engine printed it. */
  url: Promise<string>;
}

function run(script: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/s2s.mjs'), 'run', script], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let found: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (found = resolve));
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    const m = / web dashboard: (http:\/\/\S+)/.exec(stdout);
    if (m) found(m[1]!);
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const result = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const urlOrFail = Promise.race([url, result.then((r) => Promise.reject(new Error(`s2s run ended (exit ${r.code}) without a dashboard URL:\n${r.stdout}\n${r.stderr}`)))]);
  urlOrFail.catch(() => undefined); // awaited only by the tests that expect a URL
  return { result, url: urlOrFail };
}

function island(html: string): DashboardSnapshot {
  const m = /<script type="application\/json" id="s2s-dashboard-data">(.*?)<\/script>/s.exec(html);
  if (!m) throw new Error('the export has no data element');
  return JSON.parse(m[1]!) as DashboardSnapshot;
}

/** A JWT-shaped token made now (no such string lives in the repository). */
function fakeToken(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: `secret-${randomBytes(6).toString('hex')}`, aud: 'https://pong' })}.${randomBytes(24).toString('base64url')}`;
}

let pong: Awaited<ReturnType<typeof startPong>>;
const dirs: string[] = [];
beforeAll(async () => {
  pong = await startPong();
});
afterAll(async () => {
  await pong.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('s2s run with K6_WEB_DASHBOARD', () => {
  it('streams per-period rows and verdicts while it runs, ends the stream, and exports the whole run — without any token', async () => {
    const token = fakeToken();
    const payload = token.split('.')[1]!;
    const { script, dir } = await writeScript(
      'dash.js',
      `import http from 'k6/http';
import { check, group } from 'k6';
import { Trend, Rate } from 'k6/metrics';
const latency = new Trend('s2s_latency_ms', true);
const errors = new Rate('s2s_errors');
const TOKEN = __ENV.SECRET_TOKEN;
export const options = {
  scenarios: { run: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '4s', preAllocatedVUs: 2, maxVUs: 4 } },
  thresholds: { 's2s_latency_ms{target:pong-sec}': ['p(95)<10000'], s2s_errors: ['rate<0.99'] },
};
export default async function () {
  const r = await http.asyncRequest('GET', __ENV.BASE + '/ping?target=pong-sec', null, { headers: { Authorization: 'Bearer ' + TOKEN }, tags: { target: 'pong-sec', auth: TOKEN } });
  group('group ' + TOKEN, () => check(r, { ['status 200 for ' + TOKEN]: (x) => x.status === 200 }));
  latency.add(1.25, { source: 'runner', target: 'pong-sec' });
  errors.add(false, { source: 'runner', target: 'pong-sec' });
  // a failing call whose URL and error carry the token
  await http.asyncRequest('GET', 'http://127.0.0.1:1/' + TOKEN, null, { timeout: '2s' });
  if (exec() % 4 === 0) throw new Error('upstream refused token ' + TOKEN);
}
let n = 0;
function exec() { return n++; }
`,
    );
    dirs.push(dir);
    const exportPath = path.join(dir, 'out', 'dashboard.html');
    const seriesPath = path.join(dir, 'out', 'timeseries.json');
    const r = run(script, {
      BASE: pong.base,
      SECRET_TOKEN: token,
      K6_WEB_DASHBOARD: 'true',
      K6_WEB_DASHBOARD_PORT: '0',
      K6_WEB_DASHBOARD_PERIOD: '300ms',
      K6_WEB_DASHBOARD_EXPORT: exportPath,
      S2S_DASHBOARD_SERIES: seriesPath,
    });
    const url = await r.url;
    const page = await (await fetch(url)).text();
    const sse = await SseClient.connect(new URL('events', url).href);
    await sse.waitFor(() => sse.of('period').length >= 3, 'three periods during the run');
    const done = await r.result;
    await sse.ended;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('upstream refused token'); // the error really happened (the engine's log is not the dashboard's concern)

    const rows = sse.of('period') as PeriodRow[];
    expect(rows.some((row) => (row.counters.http_reqs ?? 0) > 0)).toBe(true);
    expect(rows.some((row) => row.trends['s2s_latency_ms{source:runner,target:pong-sec}'])).toBe(true);
    const [end] = sse.of('end') as Array<{ verdicts: LiveVerdict[] }>;
    expect(end?.verdicts.map((v) => `${v.metric} ${v.expression} ${v.state}`).sort()).toEqual(['s2s_errors rate<0.99 ok', 's2s_latency_ms{target:pong-sec} p(95)<10000 ok']);

    const html = await readFile(exportPath, 'utf8');
    const snap = island(html);
    expect(snap.ended).toBe(true);
    expect(snap.series.periods.length).toBeGreaterThanOrEqual(rows.length);
    expect(snap.verdicts).toEqual(end?.verdicts);
    for (const p of PANELS) expect(html).toContain(`data-panel="${p.id}"`);
    const series = await readFile(seriesPath, 'utf8');
    expect(JSON.parse(series)).toEqual(snap.series);

    for (const [what, text] of [['event stream', sse.raw], ['live page', page], ['export', html], ['timeseries.json', series]] as const) {
      expect(text.includes(token), `${what} holds the token`).toBe(false);
      expect(text.includes(payload), `${what} holds the token's payload`).toBe(false);
    }
  });

  it('a port in use: exit 104 with one line naming it, before any iteration runs', async () => {
    let hits = 0;
    const counter = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const { script, dir } = await writeScript('busy.js', `import http from 'k6/http';\nexport default function () { http.get(__ENV.HIT); }\n`);
      dirs.push(dir);
      const res = await run(script, { HIT: `http://127.0.0.1:${(counter.address() as AddressInfo).port}/`, K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_PORT: String(port) }).result;
      expect(res.code).toBe(104);
      const lines = res.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`web dashboard: 127.0.0.1:${port} is already in use (K6_WEB_DASHBOARD_PORT=${port})`);
      expect(lines[0]).not.toMatch(/\s+at\s/); // no stack
      expect(hits).toBe(0);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
      await new Promise<void>((resolve) => counter.close(() => resolve()));
    }
  });

  it('a bad switch is exit 104 naming the variable and the value', async () => {
    const { script, dir } = await writeScript('bad.js', `export default function () {}\n`);
    dirs.push(dir);
    const res = await run(script, { K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_PERIOD: 'soon' }).result;
    expect(res.code).toBe(104);
    expect(res.stderr).toContain('web dashboard: K6_WEB_DASHBOARD_PERIOD=\\"soon\\" is not a duration');
  });
});
