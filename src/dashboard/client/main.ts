// The dashboard page's script (browser). Live: it listens to /events (per-period rows and verdicts, never raw
// samples) and redraws the panels with Observable Plot, the report's chart library. Export: it reads the
// whole run from the page's JSON element and draws the same panels once. Bundled by client-bundle.ts.
import * as Plot from '@observablehq/plot';
import { fmtCount, fmtMs, fmtPct, fmtPerSecond } from '../../report/format.ts';
import { counterRateSeries, emptyTimeSeries, gaugeSeries, pairKey, pairsOf, rateSeries, totals, trendSeries, type PeriodRow, type SeriesPair, type TimeSeriesDoc } from '../../results/timeseries.ts';
import { DATA_ELEMENT_ID, type DashboardMeta, type DashboardSnapshot, type LiveVerdict } from '../model.ts';
import { PANELS, PHASE_METRICS } from '../panels.ts';

interface State {
  meta: DashboardMeta | null;
  series: TimeSeriesDoc;
  verdicts: LiveVerdict[];
  ended: boolean;
  /** Period rows received (live) or loaded (export). */
  updates: number;
  connection: 'connecting' | 'live' | 'ended' | 'lost' | 'export';
}

const X_LABEL = 'time since start (s) →';
const WARM = 's2s_latency_ms';
const ERRORS = 's2s_errors';

/** A panel's content: a chart, a table, or a message saying why there is none. */
type Content = Element | string;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function table(headers: string[], rows: Array<{ cells: string[]; tone?: string }>): HTMLElement {
  const wrap = el('div', { class: 'scroll' });
  const t = el('table');
  const head = el('tr');
  for (const h of headers) head.append(el('th', {}, h));
  const thead = el('thead');
  thead.append(head);
  t.append(thead);
  const body = el('tbody');
  for (const r of rows) {
    const tr = el('tr', r.tone ? { class: r.tone } : {});
    for (const c of r.cells) tr.append(el('td', {}, c));
    body.append(tr);
  }
  t.append(body);
  wrap.append(t);
  return wrap;
}

function has(doc: TimeSeriesDoc, group: 'trends' | 'counters' | 'rates' | 'gauges', key: string): boolean {
  return doc.periods.some((row) => row[group][key] !== undefined);
}

function none(state: State, what: string): string {
  return state.ended ? `no ${what} in this run.` : `no ${what} yet.`;
}

function width(panel: Element): number {
  const w = (panel as HTMLElement).clientWidth;
  return Math.max(320, Math.min(1400, w > 0 ? w : 640));
}

/** A y scale for fractions: percent ticks, and room up to 1% when every value is 0 (else the ticks collapse). */
function fractionY(rows: Array<{ fraction: number }>, label: string): Plot.ScaleOptions {
  return { label, tickFormat: '%', domain: [0, Math.max(0.01, ...rows.map((r) => r.fraction))] };
}

function lineChart(w: number, rows: Array<Record<string, unknown>>, y: string, yLabel: string, series: string | null, extra: Plot.PlotOptions = {}): Element {
  return Plot.plot({
    width: w,
    height: 240,
    marginLeft: 56,
    grid: true,
    x: { label: X_LABEL },
    y: { label: yLabel, zero: true },
    ...(series ? { color: { legend: true, type: 'categorical' } } : {}),
    marks: [Plot.lineY(rows, { x: 'tS', y, ...(series ? { stroke: series } : {}), tip: true }), Plot.dot(rows, { x: 'tS', y, r: 1.5, ...(series ? { fill: series } : {}) })],
    ...extra,
  });
}

// ---- panels

function requestsPanel(state: State, w: number): Content {
  if (!has(state.series, 'counters', 'http_reqs')) return none(state, 'http_reqs samples');
  return lineChart(w, counterRateSeries(state.series, 'http_reqs'), 'perSec', '↑ requests per second', null);
}

function vusPanel(state: State, w: number): Content {
  const rows = ['vus', 'vus_max'].flatMap((key) => gaugeSeries(state.series, key).map((p) => ({ ...p, series: key })));
  if (rows.length === 0) return none(state, 'vus samples');
  return lineChart(w, rows, 'value', '↑ VUs', 'series');
}

function iterationsPanel(state: State, w: number): Content {
  if (!has(state.series, 'counters', 'iterations') && !has(state.series, 'counters', 'dropped_iterations')) return none(state, 'iterations');
  const rows = ['iterations', 'dropped_iterations'].flatMap((key) => counterRateSeries(state.series, key).map((p) => ({ ...p, series: key })));
  return lineChart(w, rows, 'perSec', '↑ per second', 'series');
}

const STATS = [
  { stat: 'p50Ms', label: 'p50' },
  { stat: 'p90Ms', label: 'p90' },
  { stat: 'p95Ms', label: 'p95' },
  { stat: 'p99Ms', label: 'p99' },
] as const;

function httpDurationPanel(state: State, w: number): Content {
  if (!has(state.series, 'trends', 'http_req_duration')) return none(state, 'http_req_duration samples');
  const rows = STATS.flatMap((s) => trendSeries(state.series, 'http_req_duration', s.stat).map((p) => ({ tS: p.tS, ms: p.value, stat: s.label })));
  return lineChart(w, rows, 'ms', '↑ http_req_duration (ms)', 'stat');
}

function latencyPerTargetPanel(state: State, w: number): Content {
  const pairs = pairsOf(state.series, WARM);
  if (pairs.length === 0) return none(state, `${WARM} samples tagged with a target`);
  const stats = STATS.filter((s) => s.label !== 'p90');
  const rows = pairs.flatMap((pair) =>
    stats.flatMap((s) => trendSeries(state.series, pairKey(WARM, pair.source, pair.target), s.stat).map((p) => ({ tS: p.tS, ms: p.value, stat: s.label, pair: pair.label }))),
  );
  return Plot.plot({
    width: w,
    height: 60 + 170 * pairs.length,
    marginLeft: 56,
    marginRight: 130,
    grid: true,
    x: { label: X_LABEL },
    y: { label: '↑ warm-call latency (ms)', zero: true },
    fy: { label: null, domain: pairs.map((p) => p.label) },
    color: { legend: true, type: 'categorical', domain: stats.map((s) => s.label) },
    marks: [Plot.frame({ stroke: '#ddd' }), Plot.lineY(rows, { x: 'tS', y: 'ms', stroke: 'stat', fy: 'pair', tip: true }), Plot.dot(rows, { x: 'tS', y: 'ms', fill: 'stat', fy: 'pair', r: 1.5 })],
  });
}

function phasePairs(doc: TimeSeriesDoc): SeriesPair[] {
  const seen = new Map<string, SeriesPair>();
  for (const p of PHASE_METRICS) for (const pair of pairsOf(doc, p.metric)) seen.set(pair.label, pair);
  return [...seen.values()];
}

function phasesPanel(state: State, w: number): Content {
  const pairs = phasePairs(state.series);
  const rows = pairs.flatMap((pair) =>
    PHASE_METRICS.map((p) => ({ pair: pair.label, phase: p.label, ms: totals(state.series, pairKey(p.metric, pair.source, pair.target)).meanMs ?? 0 })),
  );
  if (rows.length === 0 || rows.every((r) => r.ms === 0)) return none(state, 'first-call phase samples (s2s_token_ms … s2s_ttfb_ms)');
  const order = PHASE_METRICS.map((p) => p.label);
  return Plot.plot({
    width: w,
    height: 60 + 34 * pairs.length,
    marginLeft: 170,
    x: { label: 'mean time of the first call (ms) →', grid: true },
    y: { label: null, domain: pairs.map((p) => p.label) },
    color: { legend: true, type: 'categorical', domain: order },
    marks: [Plot.barX(rows, { x: 'ms', y: 'pair', fill: 'phase', order, tip: true }), Plot.ruleX([0])],
  });
}

function errorsPanel(state: State, w: number): Content {
  const pairs = pairsOf(state.series, ERRORS);
  const wrap = el('div');
  if (pairs.length === 0) {
    if (!has(state.series, 'rates', 'http_req_failed')) return none(state, `${ERRORS} or http_req_failed samples`);
    const all = totals(state.series, 'http_req_failed');
    const failed = rateSeries(state.series, 'http_req_failed');
    wrap.append(lineChart(w, failed, 'fraction', '↑ http_req_failed', null, { y: fractionY(failed, '↑ failed requests') }));
    wrap.append(table(['metric', 'failed', 'total', 'rate'], [{ cells: ['http_req_failed', fmtCount(all.passes), fmtCount(all.total), fmtPct(all.total ? all.passes / all.total : null)], tone: all.passes > 0 ? 'bad' : 'ok' }]));
    return wrap;
  }
  const rows = pairs.flatMap((pair) => rateSeries(state.series, pairKey(ERRORS, pair.source, pair.target)).map((p) => ({ ...p, pair: pair.label })));
  wrap.append(lineChart(w, rows, 'fraction', '↑ failed inner calls', 'pair', { y: fractionY(rows, '↑ failed inner calls') }));
  wrap.append(
    table(
      ['source → target', 'failed', 'calls', 'error rate'],
      pairs.map((pair) => {
        const t = totals(state.series, pairKey(ERRORS, pair.source, pair.target));
        return { cells: [pair.label, fmtCount(t.passes), fmtCount(t.total), fmtPct(t.total ? t.passes / t.total : null)], tone: t.passes > 0 ? 'bad' : 'ok' };
      }),
    ),
  );
  return wrap;
}

function thresholdsPanel(state: State): Content {
  if (state.verdicts.length === 0) return state.meta || state.ended ? 'no thresholds in this run.' : 'waiting for the first evaluation…';
  const word = { ok: '✔ pass', crossed: '✖ crossed', 'no-samples': 'no samples' } as const;
  const tone = { ok: 'ok', crossed: 'bad', 'no-samples': 'warn' } as const;
  return table(
    ['metric', 'threshold', 'observed', state.ended ? 'verdict' : 'verdict so far'],
    state.verdicts.map((v) => ({
      cells: [v.metric, v.expression, v.observed === null ? '—' : v.unit === 'ms' ? fmtMs(v.observed) : v.unit === 'fraction' ? fmtPct(v.observed) : fmtCount(v.observed), word[v.state]],
      tone: tone[v.state],
    })),
  );
}

const RENDER: Record<string, (state: State, w: number) => Content> = {
  requests: requestsPanel,
  vus: vusPanel,
  iterations: iterationsPanel,
  'http-req-duration': httpDurationPanel,
  'latency-per-target': latencyPerTargetPanel,
  phases: phasesPanel,
  errors: errorsPanel,
  thresholds: thresholdsPanel,
};

// ---- header and tiles

function lastRow(doc: TimeSeriesDoc): PeriodRow | undefined {
  return doc.periods[doc.periods.length - 1];
}

function tiles(state: State): Array<[string, string]> {
  const doc = state.series;
  const last = lastRow(doc);
  const reqs = totals(doc, 'http_reqs').count;
  const vus = gaugeSeries(doc, 'vus').at(-1)?.value;
  const errKeys = pairsOf(doc, ERRORS).map((p) => pairKey(ERRORS, p.source, p.target));
  const err = errKeys.reduce((a, k) => {
    const t = totals(doc, k);
    return { passes: a.passes + t.passes, total: a.total + t.total };
  }, { passes: 0, total: 0 });
  const failed = errKeys.length > 0 ? err : totals(doc, 'http_req_failed');
  return [
    [last ? fmtPerSecond(((last.counters.http_reqs ?? 0) * 1000) / Math.max(1, last.durationMs)) : '—', 'requests (last period)'],
    [vus === undefined ? '—' : fmtCount(vus), 'VUs'],
    [fmtCount(totals(doc, 'iterations').count), 'iterations'],
    [fmtCount(totals(doc, 'dropped_iterations').count), 'dropped iterations'],
    [fmtCount(reqs), 'requests'],
    [failed.total ? `${fmtCount(failed.passes)} (${fmtPct(failed.passes / failed.total)})` : '0', errKeys.length > 0 ? 'failed inner calls' : 'failed requests'],
  ];
}

function renderHeader(state: State): void {
  const status = document.getElementById('status');
  if (status) {
    status.dataset.state = state.connection;
    status.textContent = { connecting: 'connecting…', live: 'live', ended: 'run finished', lost: 'connection lost (the run may have ended)', export: 'export of a finished run' }[state.connection];
  }
  const last = lastRow(state.series);
  const elapsed = document.getElementById('elapsed');
  if (elapsed) elapsed.textContent = last ? `${((last.startMs + last.durationMs) / 1000).toFixed(1)} s` : '0 s';
  const updates = document.getElementById('updates');
  if (updates) {
    updates.dataset.updates = String(state.updates);
    updates.textContent = String(state.updates);
  }
  if (state.meta) {
    const footer = document.getElementById('footer');
    if (footer) footer.textContent = `${state.meta.engine} · one period = ${fmtMs(state.meta.periodMs)} · started ${state.meta.startedAt} · per-period aggregates computed by the engine (no raw samples, no tags besides source and target).`;
  }
  const box = document.getElementById('tiles');
  if (box) {
    box.replaceChildren(
      ...tiles(state).map(([v, k]) => {
        const t = el('div', { class: 'tile' });
        t.append(el('div', { class: 'v' }, v), el('div', { class: 'k' }, k));
        return t;
      }),
    );
  }
}

function renderAll(state: State): void {
  renderHeader(state);
  for (const p of PANELS) {
    const fig = document.querySelector(`figure[data-panel="${p.id}"]`);
    const box = fig?.querySelector('.plot');
    const render = RENDER[p.id];
    if (!fig || !box || !render) continue;
    let content: Content;
    try {
      content = render(state, width(box));
    } catch (err) {
      content = `cannot draw this panel: ${(err as Error).message}`;
    }
    box.replaceChildren(typeof content === 'string' ? el('p', { class: 'empty' }, content) : content);
    fig.setAttribute('data-state', typeof content === 'string' ? 'empty' : 'drawn');
  }
}

// ---- data in: the export's JSON element, or the live event stream

let pending = false;
function scheduleRender(state: State): void {
  if (pending) return;
  pending = true;
  // setTimeout, not requestAnimationFrame: a background tab must still catch up when it is shown.
  setTimeout(() => {
    pending = false;
    renderAll(state);
  }, 0);
}

function connect(state: State): void {
  const source = new EventSource('events');
  source.addEventListener('open', () => {
    state.connection = 'live';
    scheduleRender(state);
  });
  source.addEventListener('meta', (e) => {
    // Sent first on every (re)connection, followed by every period so far: start the series afresh.
    state.meta = JSON.parse((e as MessageEvent<string>).data) as DashboardMeta;
    state.series = emptyTimeSeries(state.meta.periodMs);
    scheduleRender(state);
  });
  source.addEventListener('period', (e) => {
    state.series.periods.push(JSON.parse((e as MessageEvent<string>).data) as PeriodRow);
    state.updates++;
    scheduleRender(state);
  });
  source.addEventListener('verdicts', (e) => {
    state.verdicts = JSON.parse((e as MessageEvent<string>).data) as LiveVerdict[];
    scheduleRender(state);
  });
  source.addEventListener('end', (e) => {
    state.verdicts = (JSON.parse((e as MessageEvent<string>).data) as { verdicts: LiveVerdict[] }).verdicts;
    state.ended = true;
    state.connection = 'ended';
    // The run is over and the server is going away: do not reconnect.
    source.close();
    scheduleRender(state);
  });
  source.addEventListener('error', () => {
    if (state.ended) return;
    state.connection = source.readyState === EventSource.CLOSED ? 'lost' : 'connecting';
    scheduleRender(state);
  });
}

function start(): void {
  const island = document.getElementById(DATA_ELEMENT_ID);
  if (island?.textContent) {
    const snap = JSON.parse(island.textContent) as DashboardSnapshot;
    const state: State = { meta: snap.meta, series: snap.series, verdicts: snap.verdicts, ended: true, updates: snap.series.periods.length, connection: 'export' };
    renderAll(state);
    window.addEventListener('resize', () => scheduleRender(state));
    return;
  }
  const state: State = { meta: null, series: emptyTimeSeries(1000), verdicts: [], ended: false, updates: 0, connection: 'connecting' };
  renderAll(state);
  window.addEventListener('resize', () => scheduleRender(state));
  connect(state);
}

start();
