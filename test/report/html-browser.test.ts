// index.html in headless Chromium: loads offline with no console errors, every chart has its SVG
// marks, and a screenshot is kept as a test artifact (test-artifacts/report.png).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/report/cli.ts';
import { firstPhases, lognormal, writeFixtureRun, writeSynthRun } from './synth.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

if (!existsSync(CHROMIUM)) {
  console.warn(`SKIPPED html-browser test: ${CHROMIUM} is missing (apt-get install -y chromium; CI installs it)`);
}

describe.skipIf(!existsSync(CHROMIUM))('report HTML in headless Chromium', () => {
  let tmp: string;
  let browser: Browser;
  let html: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 's2s-report-html-'));
    const results = path.join(tmp, 'results');
    const pairs = (scale: number, seed: number) => [
      { source: 'local', target: 'pong-sec', auth: 'id-token' as const, warmMs: lognormal(1000, 0.9 * scale, 0.35, seed), first: firstPhases(10, seed, scale) },
      { source: 'local', target: 'pong-unsec', auth: 'none' as const, warmMs: lognormal(1000, 0.6 * scale, 0.35, seed + 1), first: firstPhases(10, seed + 1, 0.5 * scale) },
    ];
    await writeSynthRun(results, { platform: 'local', stamp: '20261129T150000Z', pairs: pairs(1, 1), thresholds: { 's2s_latency_ms{source:local,target:pong-sec}': { 'p(95)<20': true } } });
    await writeSynthRun(results, { platform: 'gke', stamp: '20261129T150100Z', pairs: pairs(1.6, 2), settings: { mesh: 'sidecar' } });
    await writeFixtureRun(results, 'fail');
    expect(await main(['--results', results, '--out', path.join(tmp, 'report')])).toBe(0);
    html = path.join(tmp, 'report', 'index.html');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('opens offline without console errors, renders every chart, and is screenshotted', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => ({
        name: f.getAttribute('data-chart'),
        svgs: f.querySelectorAll('svg').length,
        marks: f.querySelectorAll('svg path, svg rect, svg circle').length,
        width: (f.querySelector('svg') as unknown as { getBoundingClientRect(): { width: number } } | null)?.getBoundingClientRect().width ?? 0,
      })),
    );
    expect(charts.map((c) => c.name).sort()).toEqual(['cdf-pong-sec.svg', 'cdf-pong-unsec.svg', 'latency-over-time-1-local.svg', 'latency-over-time-2-gke_sidecar_.svg', 'latency-over-time-3-k6fixture.svg', 'phases.svg']);
    for (const c of charts) {
      expect(c.svgs, c.name ?? '').toBeGreaterThan(0);
      expect(c.marks, c.name ?? '').toBeGreaterThan(5);
      expect(c.width, c.name ?? '').toBeGreaterThan(100);
    }
    expect(await page.locator('tr.bad').count()).toBeGreaterThan(0); // the fixture's crossed threshold
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
    await page.locator('figure.chart').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-charts.png') });
    await page.locator('figure[data-chart="phases.svg"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-phases.png') });
    await context.close();
  });

  /** Page-level horizontal overflow, and for each key column the cells that lie outside their table's box. */
  async function layout(width: number) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, offline: true });
    const page = await context.newPage();
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    const result = await page.evaluate((keys) => {
      type Box = { left: number; right: number };
      type El = { getBoundingClientRect(): Box; closest(s: string): El | null; getAttribute(n: string): string | null; scrollLeft: number };
      const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number }; querySelectorAll(s: string): ArrayLike<El> } }).document;
      const page = { scrollWidth: doc.documentElement.scrollWidth, clientWidth: doc.documentElement.clientWidth };
      const cells: Record<string, { seen: number; outside: string[] }> = {};
      for (const key of keys) {
        const found = Array.from(doc.querySelectorAll(`td[data-col="${key}"]`));
        cells[key] = { seen: found.length, outside: [] };
        for (const td of found) {
          const box = td.closest('.scroll');
          if (!box) continue;
          const b = box.getBoundingClientRect();
          const c = td.getBoundingClientRect();
          if (box.scrollLeft !== 0 || c.left < b.left - 0.5 || c.right > b.right + 0.5) cells[key]!.outside.push(`${c.left.toFixed(0)}–${c.right.toFixed(0)} outside ${b.left.toFixed(0)}–${b.right.toFixed(0)}`);
        }
      }
      return { page, cells };
    }, ['status', 'errors', 'n', 'relative', 'verdict']);
    await page.screenshot({ path: path.join(ARTIFACTS, `report-${width}px.png`), fullPage: false });
    await context.close();
    return result;
  }

  it('at 1280 px: no horizontal page scroll, and status, errors, n, relative, verdict cells show without scrolling their box', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const { page, cells } = await layout(1280);
    expect(page.scrollWidth, 'page scrolls sideways').toBeLessThanOrEqual(page.clientWidth);
    for (const [key, c] of Object.entries(cells)) {
      expect(c.seen, `cells of column ${key}`).toBeGreaterThan(0);
      expect(c.outside, `column ${key}`).toEqual([]);
    }
  });

  it('at 390 px (a phone): the page itself has no horizontal scroll (tables scroll in their own box)', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const { page } = await layout(390);
    expect(page.scrollWidth, 'page scrolls sideways').toBeLessThanOrEqual(page.clientWidth);
  });
});
