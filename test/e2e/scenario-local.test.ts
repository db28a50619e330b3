// End to end: `s2s scenario local` as a real process (local platform, embedded engine, run folder), small
// bounded runs. Latency gates are loosened on purpose: this machine is shared and noisy, and these tests
// check behaviour (exit codes, files, table, verdicts, no token anywhere), never timing. Runs that do not
// need a platform of their own use the suite's shared one (--platform-file); Ctrl-C, --pong-delay-ms and
// bad flags start (or refuse to start) their own.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const ROOT = path.resolve(import.meta.dirname, '../..');
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{10,}\./;
const LOOSE = ['--threshold', 's2s_latency_ms=p(95)<60000', '--threshold', 's2s_first_ms=p(95)<60000'];
const RUN_TIMEOUT_MS = 240_000;
const SHARED = ['--platform-file', inject('localPlatformFile') ?? 'the shared platform was not started (see test/support/global-setup.ts)'];

const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas/run.schema.json'), 'utf8')) as object;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validateRun = ajv.compile(schema);

let resultsRoot: string;
beforeAll(async () => {
  resultsRoot = await mkdtemp(path.join(os.tmpdir(), 's2s-e2e-scenario-'));
});
afterAll(async () => {
  await rm(resultsRoot, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  output: string;
  folder: string | null;
}

/** Runs `node bin/s2s.mjs scenario <args>` (embedded engine unless args say otherwise) into its own results dir. */
async function scenario(name: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const resultsDir = path.join(resultsRoot, name);
  const { K6_BIN: _k6, ...base } = process.env;
  const env = { ...base, ...extraEnv };
  const engine = args.includes('--engine') ? [] : ['--engine', 'embedded'];
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/s2s.mjs'), 'scenario', ...args, ...engine, '--results-dir', resultsDir], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  let folder: string | null = null;
  try {
    const runs = (await readdir(resultsDir)).filter((n) => !n.startsWith('.'));
    if (runs.length === 1) folder = path.join(resultsDir, runs[0] as string);
  } catch {
    folder = null;
  }
  return { code, output, folder };
}

/** The descendant of `root` whose environment holds `entry` (e.g. SERVICE_NAME=pong-unsec), from /proc. */
function pidWithEnv(root: number, entry: string): number | null {
  const children = (pid: number): number[] => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    for (const c of children(pid)) {
      try {
        if (readFileSync(`/proc/${c}/environ`, 'utf8').split('\0').includes(entry)) return c;
      } catch {
        // gone already
      }
      queue.push(c);
    }
  }
  return null;
}

async function readRun(folder: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(folder, 'run.json'), 'utf8')) as Record<string, unknown>;
}

async function expectNoToken(folder: string, output: string): Promise<void> {
  expect(output).not.toMatch(JWT_SHAPE);
  for (const name of await readdir(folder)) {
    const raw = await readFile(path.join(folder, name));
    const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    expect(text, name).not.toMatch(JWT_SHAPE);
  }
}

describe('s2s scenario local (end to end)', () => {
  it('probe: exits 0, prints the table per pair and the verdicts, leaves a valid run folder', async () => {
    const run = await scenario('probe', ['local', '--count', '20', ...LOOSE, ...SHARED]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/source → target\s+auth\s+first ms: median \(max, n\)\s+cold\s+token\s+TLS\s+mean all\s+warm mean\s+p50\s+p95\s+p99\s+errors\s+n/);
    for (const target of ['pong-sec', 'pong-unsec', 'external']) expect(run.output).toMatch(new RegExp(`local → ${target}\\s+\\S+\\s+.*\\s0\\s+20\\n`));
    expect(run.output).toContain('thresholds: 4 passed, 0 crossed');
    expect(run.output).toContain('embedded engine (--engine embedded)');
    expect(run.folder).not.toBeNull();
    const folder = run.folder as string;
    expect(path.basename(folder)).toMatch(/^\d{8}T\d{6}Z_local_probe$/);
    expect((await readdir(folder)).sort()).toEqual(['console.txt', 'dashboard.html', 'junit.xml', 'metrics.ndjson.gz', 'run.json', 'summary.json', 'timeseries.json']);
    const meta = await readRun(folder);
    expect(validateRun(meta), JSON.stringify(validateRun.errors)).toBe(true);
    expect(meta).toMatchObject({ platform: 'local', scenario: 'probe', exitCode: 0, status: 'passed', interrupted: false, engine: { name: 'embedded' } });
    expect((meta.config as Record<string, unknown>).settings).toMatchObject({ platform: 'local', pongDelayMs: 0, attached: true });
    expect((meta.targets as unknown[]).length).toBe(3);
    const summary = JSON.parse(await readFile(path.join(folder, 'summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
    expect(summary.metrics['s2s_latency_ms{source:local,target:pong-sec}']?.values.count).toBe(19);
    expect(summary.metrics['s2s_calls{source:local,target:pong-sec}']?.values.count).toBe(20);
    expect(summary.metrics['s2s_token_ms{source:local,target:pong-sec}']?.values.count).toBe(1);
    expect(summary.metrics['s2s_errors{source:local,target:pong-sec}']?.values.passes).toBe(0);
    expect(await readFile(path.join(folder, 'console.txt'), 'utf8')).toContain('THRESHOLDS');
    await expectNoToken(folder, run.output);
  }, RUN_TIMEOUT_MS);

  it('--batches 5: every batch pays a cold first call (5 token fetches for pong-sec, 5 new connections, 5 full TLS handshakes)', async () => {
    const run = await scenario('cold', ['local', '--count', '20', '--batches', '5', '--quiet', ...LOOSE]);
    expect(run.code, run.output).toBe(0);
    // The table shows the spread of the first calls over batches, not a blended mean.
    expect(run.output).toMatch(/local → pong-sec\s+id-token\s+\d+\.\d+ \(max \d+\.\d+, n=5\)\s+5\/5\s/);
    expect(run.output).toMatch(/local → pong-unsec\s+none\s+\d+\.\d+ \(max \d+\.\d+, n=5\)\s+5\/5\s/);
    const folder = run.folder as string;
    const meta = await readRun(folder);
    expect(validateRun(meta), JSON.stringify(validateRun.errors)).toBe(true);
    const first = meta.firstCall as { cold: boolean; includes: string[]; excludes: string[]; pairs: Array<Record<string, unknown>>; tokenRequests: Record<string, number> };
    expect(first.cold).toBe(true);
    expect(first.includes.join(' ')).toMatch(/ID token fetch.*DNS.*TCP connect.*TLS handshake, full/);
    expect(first.excludes.join(' ')).toMatch(/instance cold start/);
    const pongSec = (meta.targets as Array<{ name: string; url: string }>).find((t) => t.name === 'pong-sec')!;
    // The metadata emulator counted one ID token per batch for pong-sec's audience, and none for anything else.
    expect(first.tokenRequests).toEqual({ [new URL(pongSec.url).origin]: 5 });
    expect(first.pairs.find((p) => p.target === 'pong-sec')).toMatchObject({ batches: 5, coldBatches: 5 });
    // Ping's own answer, per batch: what the first call paid for (s2s_first_cold carries it as tags).
    const points = gunzipSync(readFileSync(path.join(folder, 'metrics.ndjson.gz')))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.includes('"s2s_first_cold"') && l.includes('"Point"'))
      .map((l) => (JSON.parse(l) as { data: { value: number; tags: Record<string, string> } }).data);
    const sec = points.filter((p) => p.tags.target === 'pong-sec');
    expect(sec.map((p) => [p.value, p.tags.first_token, p.tags.first_conn, p.tags.first_tls])).toEqual(Array(5).fill([1, 'fetched', 'new', 'full']));
    expect(points.filter((p) => p.tags.target === 'pong-unsec').map((p) => [p.tags.first_token, p.tags.first_conn, p.tags.first_tls])).toEqual(Array(5).fill(['none', 'new', 'full']));
  }, RUN_TIMEOUT_MS);

  it('a service killed mid-run is named: which, when, how (output and run.json)', async () => {
    const resultsDir = path.join(resultsRoot, 'killed');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/s2s.mjs'), 'scenario', 'local', '--engine', 'embedded', '--count', '5000', '--batches', '3', '--results-dir', resultsDir, ...LOOSE], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let killed: number | null = null;
    const onData = (c: Buffer) => {
      output += c.toString();
      if (killed === null && /running \(/.test(output)) {
        killed = pidWithEnv(child.pid!, 'SERVICE_NAME=pong-unsec');
        if (killed !== null) process.kill(killed, 'SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(killed, output).not.toBeNull();
    expect([0, 99], output).toContain(code);
    expect(output).toMatch(new RegExp(`pong-unsec \\(pid ${killed}\\) exited \\d+\\.\\d s into the run \\(killed by SIGKILL\\)`));
    const [id] = (await readdir(resultsDir)).filter((n) => !n.startsWith('.'));
    const meta = await readRun(path.join(resultsDir, id!));
    expect(validateRun(meta), JSON.stringify(validateRun.errors)).toBe(true);
    expect(meta.serviceExits).toEqual([expect.objectContaining({ name: 'pong-unsec', pid: killed, code: null, signal: 'SIGKILL' })]);
  }, RUN_TIMEOUT_MS);

  it("--threshold 's2s_latency_ms=p(95)<0.001' exits 99 and run.json records the crossed threshold", async () => {
    const run = await scenario('crossed', ['local', '--count', '10', '--quiet', '--threshold', 's2s_latency_ms=p(95)<0.001', ...SHARED]);
    expect(run.code, run.output).toBe(99);
    expect(run.output).toMatch(/✗ s2s_latency_ms 'p\(95\)<0\.001' p\(95\)=/);
    const meta = await readRun(run.folder as string);
    expect(validateRun(meta)).toBe(true);
    expect(meta).toMatchObject({ exitCode: 99, status: 'thresholds-crossed' });
    const crossed = (meta.thresholds as { metric: string; expression: string; ok: boolean; observed: number }[]).filter((t) => !t.ok);
    expect(crossed).toEqual([expect.objectContaining({ metric: 's2s_latency_ms', expression: 'p(95)<0.001', ok: false })]);
    expect(crossed[0]?.observed).toBeGreaterThan(0.001);
    expect(await readFile(path.join(run.folder as string, 'junit.xml'), 'utf8')).toContain('p(95)&lt;0.001');
    await expectNoToken(run.folder as string, run.output);
  }, RUN_TIMEOUT_MS);

  it('direct: the runner calls pong-sec itself with an injected ID token (no errors), and no token leaks', async () => {
    const run = await scenario('direct', ['local', '--scenario', 'direct', '--count', '5', '--quiet', ...LOOSE, ...SHARED]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/runner → pong-sec\s+id-token\s+.*\s0\s+5\n/);
    const summary = JSON.parse(await readFile(path.join(run.folder as string, 'summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
    expect(summary.metrics['s2s_errors{source:runner,target:pong-sec}']?.values).toMatchObject({ passes: 0, fails: 5 });
    await expectNoToken(run.folder as string, run.output);
  }, RUN_TIMEOUT_MS);

  it('token refresh: when a token nears expiry the VU gets a fresh one from the runner over loopback', async () => {
    // Refreshing 3600 s before expiry makes every call of a 1 h token "near expiry": each one goes to the broker.
    const run = await scenario('refresh', ['local', '--scenario', 'direct', '--count', '3', '--quiet', ...LOOSE, ...SHARED], { S2S_TOKEN_REFRESH_BEFORE_SEC: '3600' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/token broker: [1-9]\d* refreshed token\(s\) handed to the engine/);
    expect(run.output).toMatch(/runner → pong-sec\s+id-token\s+.*\s0\s+3\n/);
    await expectNoToken(run.folder as string, run.output);
  }, RUN_TIMEOUT_MS);

  it('load: a short arrival-rate run records inner calls per pair and writes ndjson on request', async () => {
    // This test is about recording; delivery is gated by default (dropped_iterations) and a loaded CI host may
    // drop a few of 30 iterations: loosened here like the latency gates.
    const run = await scenario('load', ['local', '--scenario', 'load', '--rate', '10', '--duration', '3s', '--batch-count', '5', '--out-ndjson', '--quiet', ...LOOSE, '--threshold', 'dropped_iterations=count<1000000', ...SHARED]);
    expect(run.code, run.output).toBe(0);
    const folder = run.folder as string;
    expect(await readdir(folder)).toContain('metrics.ndjson.gz');
    const summary = JSON.parse(await readFile(path.join(folder, 'summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
    const calls = summary.metrics.s2s_calls?.values.count ?? 0;
    const iterations = summary.metrics.iterations?.values.count ?? 0;
    expect(iterations).toBeGreaterThan(0);
    expect(calls).toBe(iterations * 5);
    const meta = await readRun(folder);
    expect(meta.config).toMatchObject({ scenario: 'load', rate: 10, duration: '3s', batchCount: 5 });
    await expectNoToken(folder, run.output);
  }, RUN_TIMEOUT_MS);

  it('--engine k6 runs the k6 found in K6_BIN with its dashboard export-only, our dashboard fed by a pipe, the run CA and the config in its env', async () => {
    // A stand-in k6: records what it was given, writes the summary where the config says, exits 0.
    const dir = path.join(resultsRoot, 'fake-k6');
    await mkdir(dir, { recursive: true });
    const fake = path.join(dir, 'k6');
    const record = path.join(dir, 'record.json');
    await writeFile(fake, `#!${process.execPath}
const fs = require('node:fs');
if (process.argv[2] === 'version') { console.log('k6 v1.3.0 (stand-in)'); process.exit(0); }
const config = JSON.parse(process.env.S2S_CONFIG);
const pick = ['K6_WEB_DASHBOARD', 'K6_WEB_DASHBOARD_EXPORT', 'K6_WEB_DASHBOARD_PERIOD', 'K6_WEB_DASHBOARD_PORT', 'SSL_CERT_FILE'];
fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), env: Object.fromEntries(pick.map((k) => [k, process.env[k]])), pairs: config.pairs.length }));
fs.writeFileSync(config.summaryPath, JSON.stringify({ metrics: { s2s_errors: { type: 'rate', contains: 'default', values: { rate: 0, passes: 0, fails: 3 }, thresholds: { 'rate<0.01': { ok: true } } } }, root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] }, options: { summaryTrendStats: [], summaryTimeUnit: '', noColor: true }, state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 1 } }));
fs.writeFileSync(process.env.K6_WEB_DASHBOARD_EXPORT, '<html></html>');
`);
    await chmod(fake, 0o755);
    const run = await scenario('k6', ['local', '--engine', 'k6', '--count', '3', '--quiet', ...SHARED], { K6_BIN: fake });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`k6 at ${fake} (--engine k6)`);
    const rec = JSON.parse(await readFile(record, 'utf8')) as { argv: string[]; env: Record<string, string>; pairs: number };
    expect(rec.argv[0]).toBe('run');
    expect(rec.argv.at(-1)).toBe(path.join(ROOT, 'build/probe.js'));
    expect(rec.argv).toContain('--out');
    expect(rec.env).toMatchObject({ K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_PERIOD: '1000ms', K6_WEB_DASHBOARD_PORT: '-1' });
    expect(rec.env.K6_WEB_DASHBOARD_EXPORT).toMatch(/dashboard-k6\.html$/);
    // our dashboard's feed: a second --out json into a pipe (this stand-in never opens it; the run must not hang)
    expect(rec.argv.filter((a) => a.startsWith('json=')).some((a) => /s2s-k6-stream-.*\/k6\.ndjson$/.test(a))).toBe(true);
    expect(rec.env.SSL_CERT_FILE).toMatch(/ca\.pem$/);
    expect(rec.pairs).toBe(3);
    const folder = run.folder as string;
    expect((await readdir(folder)).sort()).toEqual(['console.txt', 'dashboard-k6.html', 'dashboard.html', 'junit.xml', 'run.json', 'summary.json', 'timeseries.json']);
    const meta = await readRun(folder);
    expect(validateRun(meta)).toBe(true);
    expect(meta).toMatchObject({ engine: { name: 'k6', version: 'v1.3.0' }, status: 'passed', files: { dashboard: 'dashboard.html', dashboardK6: 'dashboard-k6.html', timeseries: 'timeseries.json' } });
  }, RUN_TIMEOUT_MS);

  it('Ctrl-C: the engine stops gracefully, the folder is still written and marked interrupted, the platform is stopped', async () => {
    const resultsDir = path.join(resultsRoot, 'interrupt');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/s2s.mjs'), 'scenario', 'local', '--engine', 'embedded', '--count', '50000', '--results-dir', resultsDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let sent = false;
    const onData = (c: Buffer) => {
      output += c.toString();
      // The engine prints "running (…)" once the scenario runs: interrupt then, as a user would.
      if (!sent && /running \(/.test(output)) {
        sent = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(sent, output).toBe(true);
    expect(code, output).not.toBe(0);
    expect(output).toContain('local platform: stopped');
    const runs = (await readdir(resultsDir)).filter((n) => !n.startsWith('.'));
    expect(runs).toHaveLength(1);
    const meta = await readRun(path.join(resultsDir, runs[0] as string));
    expect(validateRun(meta)).toBe(true);
    expect(meta).toMatchObject({ status: 'interrupted', interrupted: true });
    expect(meta.recordingProblems).toBeUndefined();
    expect(await readdir(resultsDir)).toEqual(runs);
    // The run agrees with itself: every pair's samples came with their counters (a batch lands whole or not at all).
    const summary = JSON.parse(await readFile(path.join(resultsDir, runs[0] as string, 'summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
    for (const target of ['pong-sec', 'pong-unsec', 'external']) {
      const v = (m: string) => summary.metrics[`${m}{source:local,target:${target}}`]?.values ?? {};
      const calls = v('s2s_calls').count ?? 0;
      expect(v('s2s_latency_ms').count ?? 0, target).toBeLessThanOrEqual(calls);
      expect((v('s2s_errors').passes ?? 0) + (v('s2s_errors').fails ?? 0), target).toBe(calls);
      expect(v('s2s_first_ms').count ?? 0, target).toBe(calls > 0 ? Math.round(calls / 50000) : 0);
    }
  }, RUN_TIMEOUT_MS);

  it('cloudrun without a deployment fails at once, exit 2, saying which deploy to run first', async () => {
    const stateDir = path.join(resultsRoot, 'empty-state');
    await mkdir(stateDir, { recursive: true });
    const run = await scenario('cloudrun', ['cloudrun'], { S2S_STATE_DIR: stateDir });
    expect(run.code, run.output).toBe(2);
    expect(run.output).toContain('npm run deploy:cloudrun');
    expect(run.folder).toBeNull();
  });

  it('--pong-delay-ms reaches pong (every warm call holds at least that long) and is recorded in config.settings', async () => {
    const run = await scenario('delay', ['local', '--count', '5', '--pong-delay-ms', '5', '--quiet', ...LOOSE]);
    expect(run.code, run.output).toBe(0);
    const meta = await readRun(run.folder as string);
    expect((meta.config as { settings: Record<string, unknown> }).settings.pongDelayMs).toBe(5);
    const summary = JSON.parse(await readFile(path.join(run.folder as string, 'summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
    // A lower bound by construction (pong holds ≥ 5 ms), not a timing assertion.
    expect(summary.metrics['s2s_latency_ms{source:local,target:pong-unsec}']?.values.min).toBeGreaterThanOrEqual(5);
  }, RUN_TIMEOUT_MS);

  it('an unwritable --results-dir fails at once with exit 2, before the platform starts', async () => {
    // A regular file where a directory should be: unwritable even for root (permission bits are not).
    await writeFile(path.join(resultsRoot, 'a-file'), 'not a directory');
    const run = await scenario('a-file/results', ['local', '--count', '3']);
    expect(run.code, run.output).toBe(2);
    expect(run.output).toContain(`--results-dir ${path.join(resultsRoot, 'a-file/results')} is not writable (ENOTDIR`);
    expect(run.output).not.toContain('local platform');
    expect(run.output).not.toMatch(/\n\s+at /);
  });

  it('--dashboard on a port in use fails at once, exit 2, naming the port, before the platform starts', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const run = await scenario('busy-port', ['local', '--dashboard', '--count', '3'], { K6_WEB_DASHBOARD_PORT: String(port) });
      expect(run.code, run.output).toBe(2);
      expect(run.output).toContain(`scenario: web dashboard: 127.0.0.1:${port} is already in use (K6_WEB_DASHBOARD_PORT=${port})`);
      expect(run.output).not.toContain('local platform:');
      expect(run.folder).toBeNull();
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('bad flags fail at once with exit 2 and one line naming the flag', async () => {
    const run = await scenario('bad', ['local', '--count', 'lots']);
    expect(run.code).toBe(2);
    expect(run.output).toBe('scenario: --count "lots": must be an integer in 1..10000000.\n');
    expect(run.folder).toBeNull();
  });

  it('an invalid threshold exits 104 before anything starts, and writes no run folder', async () => {
    const run = await scenario('bad-threshold', ['local', '--threshold', 'no_such_metric=p(95)<1']);
    expect(run.code, run.output).toBe(104);
    expect(run.output).toMatch(/^scenario: --threshold "no_such_metric=p\(95\)<1": no metric "no_such_metric" in this run/);
    expect(run.output).not.toContain('local platform');
    expect(run.folder).toBeNull();
  });

  it('a flag that does not apply to the scenario is named in a warning', async () => {
    const run = await scenario('warn', ['local', '--count', '3', '--rate', '7', '--quiet', ...LOOSE, ...SHARED]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('scenario: warning: --rate does not apply to --scenario probe (only to load); ignored.');
  }, RUN_TIMEOUT_MS);

  it('--platform-file naming no running platform fails at once with exit 2, saying what to run', async () => {
    const run = await scenario('no-platform', ['local', '--platform-file', path.join(resultsRoot, 'missing.json')]);
    expect(run.code, run.output).toBe(2);
    expect(run.output).toContain('npm run -s platform:local -- --json >');
    expect(run.folder).toBeNull();
  });
});
