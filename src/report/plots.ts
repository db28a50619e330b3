// Charts for the report, drawn server-side by Observable Plot into a linkedom document, so the
// same SVG goes inline into index.html and into files beside report.md (GitHub shows them).
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import type { Chart } from './document.ts';

const WIDTH = 720;

/** The DOM document Plot draws into (typed from Plot, since this project has no DOM lib). */
type PlotDocument = NonNullable<Plot.PlotOptions['document']>;
/** What we read back from a rendered chart. */
interface Element {
  outerHTML: string;
  getAttribute(name: string): string | null;
}
const SVG_NS = 'http://www.w3.org/2000/svg';

function newDocument(): PlotDocument {
  return parseHTML('<!doctype html><html><body></body></html>').document as unknown as PlotDocument;
}

/** Plot's root element as standalone SVG text (xmlns added, offset for stacking). */
function svgText(el: Element, y = 0): string {
  const html = el.outerHTML;
  return html.replace(/^<svg /, `<svg xmlns="${SVG_NS}"${y ? ` y="${y}"` : ''} `);
}

function sizeOf(el: Element): { width: number; height: number } {
  return { width: Number(el.getAttribute('width') ?? WIDTH), height: Number(el.getAttribute('height') ?? 400) };
}

/**
 * A legend drawn with Plot too (its own swatches legend is HTML, which an SVG file cannot hold):
 * one row per series, coloured like the chart's color scale.
 */
function legendSvg(document: PlotDocument, domain: string[], range: string[]): Element {
  const rows = domain.map((label, i) => ({ label, color: range[i % range.length] ?? '#333', i }));
  return Plot.plot({
    document,
    width: WIDTH,
    height: 16 * rows.length + 8,
    marginTop: 4,
    marginBottom: 4,
    marginLeft: 60,
    axis: null,
    x: { domain: [0, 1] },
    y: { domain: rows.map((r) => r.i), type: 'band' },
    marks: [
      Plot.dot(rows, { x: 0, y: 'i', fill: 'color', stroke: 'color', r: 5, symbol: 'square' }),
      Plot.text(rows, { x: 0, y: 'i', text: 'label', textAnchor: 'start', dx: 10, fontSize: 12 }),
    ],
  }) as unknown as Element;
}

/** Puts a chart and its legend into one SVG document. */
function withLegend(document: PlotDocument, chart: Element): string {
  const scale = (chart as unknown as { scale(name: string): { domain?: unknown[]; range?: unknown[] } | undefined }).scale('color');
  const domain = (scale?.domain ?? []).map(String);
  const range = (scale?.range ?? []).map(String);
  if (domain.length === 0) return svgText(chart);
  const legend = legendSvg(document, domain, range);
  const l = sizeOf(legend);
  const c = sizeOf(chart);
  const width = Math.max(l.width, c.width);
  const height = l.height + c.height;
  return `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif"><rect width="100%" height="100%" fill="white"/>${svgText(chart, l.height)}${svgText(legend)}</svg>`;
}

export interface CdfSeries {
  label: string;
  /** (value ms, count) pairs in ascending order, e.g. LatencyHistogram.buckets(). */
  buckets: Array<[number, number]>;
}

/** Latency distribution as empirical CDFs on a log x axis, one line per series. */
export function cdfChart(file: string, title: string, series: CdfSeries[], minCount = 2): Chart {
  const usable = series.filter((s) => s.buckets.reduce((a, [, c]) => a + c, 0) >= minCount);
  if (usable.length === 0) {
    return { file, title, svg: null, message: `too little data for a distribution: fewer than ${minCount} samples with metrics.ndjson.gz (run with it, or with a larger count).` };
  }
  const rows: Array<{ series: string; ms: number; fraction: number }> = [];
  for (const s of usable) {
    const total = s.buckets.reduce((a, [, c]) => a + c, 0);
    let acc = 0;
    // start at 0 so that a series with a single distinct value still draws a visible step
    rows.push({ series: s.label, ms: Math.max(s.buckets[0]?.[0] ?? 0, 1e-6), fraction: 0 });
    for (const [v, c] of s.buckets) {
      acc += c;
      // log axis: a recorded 0 is drawn at 1 ns rather than dropped
      rows.push({ series: s.label, ms: Math.max(v, 1e-6), fraction: acc / total });
    }
  }
  const document = newDocument();
  const chart = Plot.plot({
    document,
    width: WIDTH,
    height: 360,
    marginLeft: 50,
    grid: true,
    // Plot's default log ticks use SI prefixes ("300m" for 0.3 ms): spell the unit out instead.
    x: { type: 'log', label: 'latency (log scale) →', tickFormat: (d: number) => (d < 1 ? `${+(d * 1000).toPrecision(3)} µs` : `${+d.toPrecision(3)} ms`) },
    y: { domain: [0, 1], label: '↑ fraction of calls ≤ x', tickFormat: '%' },
    color: { type: 'categorical', domain: usable.map((s) => s.label) },
    marks: [Plot.ruleY([0.5, 0.9, 0.99], { stroke: '#bbb', strokeDasharray: '3,3' }), Plot.line(rows, { x: 'ms', y: 'fraction', stroke: 'series', curve: 'step-after' })],
  }) as unknown as Element;
  return { file, title, svg: withLegend(document, chart) };
}

export interface PhaseBar {
  /** Row label, e.g. "local: local → pong-sec". */
  label: string;
  phase: string;
  ms: number;
}

/** First-request phases as horizontal stacked bars, one bar per pair/platform. */
export function phasesChart(file: string, title: string, bars: PhaseBar[], phaseOrder: string[]): Chart {
  const usable = bars.filter((b) => Number.isFinite(b.ms) && b.ms >= 0);
  if (usable.length === 0 || usable.every((b) => b.ms === 0)) {
    return { file, title, svg: null, message: 'no first-request phase metrics (s2s_token_ms, s2s_dns_ms, s2s_connect_ms, s2s_tls_ms, s2s_ttfb_ms) in these runs.' };
  }
  const labels = [...new Set(usable.map((b) => b.label))];
  const document = newDocument();
  const chart = Plot.plot({
    document,
    width: WIDTH,
    height: 40 + 28 * labels.length + 30,
    marginLeft: 220,
    x: { label: 'mean time of the first call (ms) →', grid: true },
    y: { domain: labels, label: null },
    color: { type: 'categorical', domain: phaseOrder },
    marks: [Plot.barX(usable, { x: 'ms', y: 'label', fill: 'phase', order: phaseOrder }), Plot.ruleX([0])],
  }) as unknown as Element;
  return { file, title, svg: withLegend(document, chart) };
}

export interface TimeSeries {
  label: string;
  points: Array<{ tS: number; meanMs: number }>;
}

/** Warm-call latency over time (mean per time bucket), one line per series. */
export function timeChart(file: string, title: string, series: TimeSeries[]): Chart {
  const usable = series.filter((s) => s.points.length >= 2);
  if (usable.length === 0) {
    return {
      file,
      title,
      svg: null,
      message: series.length === 0 ? 'latency over time needs metrics.ndjson.gz with s2s_latency_ms points.' : 'too little data over time: the run lasted less than two time buckets.',
    };
  }
  const rows = usable.flatMap((s) => s.points.map((p) => ({ series: s.label, tS: p.tS, meanMs: p.meanMs })));
  const document = newDocument();
  const chart = Plot.plot({
    document,
    width: WIDTH,
    height: 300,
    marginLeft: 50,
    grid: true,
    x: { label: 'time since start (s) →' },
    y: { label: '↑ mean warm latency (ms)', zero: true },
    color: { type: 'categorical', domain: usable.map((s) => s.label) },
    marks: [Plot.line(rows, { x: 'tS', y: 'meanMs', stroke: 'series' }), Plot.dot(rows, { x: 'tS', y: 'meanMs', fill: 'series', r: 1.5 })],
  }) as unknown as Element;
  return { file, title, svg: withLegend(document, chart) };
}
