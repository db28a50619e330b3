// What the dashboard knows and sends: the run's description, the per-period rows (the shared time-series
// format) and the live threshold verdicts. Pure types and small pure functions: the server, the export and
// the browser code all use them. Nothing here ever holds a raw sample, a tag other than source/target, a
// header or an error message — which is why no token can reach a page.
import type { PeriodRow, TimeSeriesDoc } from '../results/timeseries.ts';

/** Id of the <script type="application/json"> element that holds an export's DashboardSnapshot. */
export const DATA_ELEMENT_ID = 's2s-dashboard-data';

export interface DashboardMeta {
  /** Heading of the page, e.g. "local · load" or the script's file name. */
  title: string;
  /** Which engine produced the samples, e.g. "s2s embedded engine v0.1.0" or "k6 v1.3.0". */
  engine: string;
  /** Width of a period, ms. */
  periodMs: number;
  /** When the dashboard started (ISO 8601 UTC). */
  startedAt: string;
}

export interface LiveVerdict {
  /** Metric or sub-metric key, e.g. "s2s_latency_ms{target:pong-sec}". */
  metric: string;
  /** k6 expression, e.g. "p(95)<100". */
  expression: string;
  /** ok = passing so far; crossed = failing; no-samples = the metric saw no sample yet (k6 does not evaluate it). */
  state: 'ok' | 'crossed' | 'no-samples';
  /** The aggregated value compared, in the metric's unit; null without samples. */
  observed: number | null;
  /** How to read `observed`: ms (a time Trend), a fraction (a Rate), or a plain number. */
  unit: 'ms' | 'fraction' | 'number';
}

export interface DashboardSnapshot {
  meta: DashboardMeta;
  series: TimeSeriesDoc;
  verdicts: LiveVerdict[];
  /** The run is over (the export, or the last live update). */
  ended: boolean;
}

/** Server-sent events, one JSON object per `data:` line; `event:` names the type. */
export type DashboardEvent =
  | { type: 'meta'; data: DashboardMeta }
  | { type: 'period'; data: PeriodRow }
  | { type: 'verdicts'; data: LiveVerdict[] }
  | { type: 'end'; data: { verdicts: LiveVerdict[] } };

/** One SSE frame (JSON has no raw newlines, so one data line suffices). */
export function sseFrame(event: DashboardEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
