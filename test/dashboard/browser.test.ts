// The dashboard as a person sees it, in headless Chromium: `npm run scenario:local -- --scenario load
// --duration 20s --dashboard` with K6_WEB_DASHBOARD_PERIOD=2s; the live page receives updates while the run
// lasts and shows the per-target latency panel and the threshold list; the export of the same run opens
// offline from its file and draws the same panels. Screenshots go to test-artifacts/.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANELS } from '../../src/dashboard/panels.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

if (!existsSync(CHROMIUM)) console.warn(`SKIPPED dashboard browser test: ${CHROMIUM} is missing (apt-get install -y chromium; CI installs it)`);

interface PanelState {
  id: string | null;
  state: string | null;
  svgs: number;
  marks: number;
  text: string;
}

function panels(page: Page): Promise<PanelState[]> {
  return page.$$eval('figure.panel', (figs) =>
    figs.map((f) => ({
      id: f.getAttribute('data-panel'),
      state: f.getAttribute('data-state'),
      svgs: f.querySelectorAll('svg').length,
      marks: f.querySelectorAll('svg path, svg rect, svg circle').length,
      text: f.textContent ?? '',
    })),
  );
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

describe.skipIf(!existsSync(CHROMIUM))('the dashboard in headless Chromium', () => {
  let tmp: string;
  let browser: Browser;
  let runner: ChildProcess | null = null;
  let output = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 's2s-dashboard-browser-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  });
  afterAll(async () => {
    if (runner && runner.exitCode === null && runner.signalCode === null) {
      runner.kill('SIGINT');
      await exited;
    }
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('live: updates arrive every period, with the per-target latency panel and the thresholds; the export draws the same panels offline', async () => {
    const { K6_BIN: _k6, ...env } = process.env;
    const resultsDir = path.join(tmp, 'results');
    // exactly `npm run scenario:local -- …` (the npm script is `tsx scripts/scenario.ts local`); port 0 = any free port
    runner = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/scenario.ts', 'local', '--scenario', 'load', '--duration', '20s', '--dashboard', '--results-dir', resultsDir], {
      cwd: ROOT,
      env: { ...env, K6_WEB_DASHBOARD_PERIOD: '2s', K6_WEB_DASHBOARD_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = runner;
    exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (c: Buffer) => {
        output += c.toString();
        const m = /web dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
        if (m) resolve(m[1]!);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      void exited.then((code) => reject(new Error(`the run ended (exit ${code}) before printing the dashboard URL:\n${output}`)));
    });

    const live = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const liveErrors = watchErrors(live);
    await live.goto(url, { waitUntil: 'load' });
    // (expressions as strings: this project's tsconfig has no DOM types; they run in the page)
    await live.waitForFunction(`document.getElementById('status')?.dataset.state === 'live'`, undefined, { timeout: 60_000 });
    const first = Number(await live.getAttribute('#updates', 'data-updates'));
    // three more periods of 2 s arrive while the page is open (the run lasts 20 s)
    await live.waitForFunction(`Number(document.getElementById('updates')?.dataset.updates) >= ${first + 3}`, undefined, { timeout: 90_000, polling: 200 });
    expect(await live.getAttribute('#status', 'data-state')).toBe('live');
    await live.waitForFunction(`document.querySelector('figure[data-panel="latency-per-target"]')?.getAttribute('data-state') === 'drawn'`, undefined, { timeout: 60_000 });
    const during = await panels(live);
    const latency = during.find((p) => p.id === 'latency-per-target');
    expect(latency?.svgs).toBeGreaterThan(0);
    expect(latency?.marks).toBeGreaterThan(5);
    for (const target of ['pong-sec', 'pong-unsec', 'external']) expect(latency?.text).toContain(`local → ${target}`);
    const thresholdRows = await live.$$eval('figure[data-panel="thresholds"] tbody tr', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(thresholdRows.some((r) => r.includes('s2s_latency_ms') && r.includes('p(95)<100'))).toBe(true);
    expect(thresholdRows.length).toBeGreaterThanOrEqual(4);
    await mkdir(ARTIFACTS, { recursive: true });
    await live.screenshot({ path: path.join(ARTIFACTS, 'dashboard-live.png'), fullPage: true });

    // the run ends by itself; the page says so and the runner does not wait for the browser
    const code = await exited;
    expect([0, 99], output).toContain(code);
    await live.waitForFunction(`document.getElementById('status')?.dataset.state === 'ended'`, undefined, { timeout: 30_000 });
    const liveEnd = await panels(live);
    expect(liveErrors).toEqual([]);

    const runs = (await readdir(resultsDir)).filter((n) => !n.startsWith('.'));
    expect(runs).toHaveLength(1);
    const exportFile = path.join(resultsDir, runs[0]!, 'dashboard.html');
    const context = await browser.newContext({ viewport: { width: 1300, height: 900 }, offline: true });
    const page = await context.newPage();
    const exportErrors = watchErrors(page);
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(exportFile).href, { waitUntil: 'load' });
    await page.waitForFunction(`document.querySelectorAll('figure.panel[data-state]').length > 0`);
    const exported = await panels(page);
    expect(exported.map((p) => p.id)).toEqual(PANELS.map((p) => p.id));
    expect(exported.map((p) => p.id)).toEqual(liveEnd.map((p) => p.id));
    for (const p of exported) {
      expect(p.state, `${p.id}: ${p.text}`).toBe('drawn');
      expect(liveEnd.find((l) => l.id === p.id)?.state, p.id ?? '').toBe('drawn');
      if (p.id !== 'thresholds') expect(p.svgs, p.id ?? '').toBeGreaterThan(0);
    }
    expect(await page.getAttribute('#status', 'data-state')).toBe('export');
    expect(exportErrors).toEqual([]);
    expect(requests).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-export.png'), fullPage: true });
    await context.close();
  }, 240_000);
});
