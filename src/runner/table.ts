// The post's result table, per source → target, computed from the summary's pair sub-metrics: first request
// (with its token and TLS share), the mean of all calls as the post computed it, warm mean/p50/p95/p99, errors, n.
import type { SummaryLike } from './verdicts.ts';

export interface TablePair {
  source: string;
  target: string;
  auth: string;
}

export interface PairRow {
  source: string;
  target: string;
  auth: string;
  /** Mean of first calls, ms (null: none recorded). */
  firstMs: number | null;
  tokenMs: number | null;
  tlsMs: number | null;
  /** (sum of first + sum of warm) / (count first + count warm), ms: the post's "average". */
  meanAllMs: number | null;
  warmMeanMs: number | null;
  warmP50Ms: number | null;
  warmP95Ms: number | null;
  warmP99Ms: number | null;
  /** Failed inner calls. */
  errors: number;
  /** Inner calls made. */
  calls: number;
}

function values(summary: SummaryLike, metric: string, pair: TablePair): Record<string, number> | undefined {
  return summary.metrics[`${metric}{source:${pair.source},target:${pair.target}}`]?.values;
}

function num(v: number | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function pairRows(summary: SummaryLike, pairs: readonly TablePair[]): PairRow[] {
  return pairs.map((pair) => {
    const first = values(summary, 's2s_first_ms', pair);
    const warm = values(summary, 's2s_latency_ms', pair);
    const firstCount = num(first?.count) ?? 0;
    const warmCount = num(warm?.count) ?? 0;
    const firstAvg = firstCount > 0 ? num(first?.avg) : null;
    const warmAvg = warmCount > 0 ? num(warm?.avg) : null;
    const total = firstCount + warmCount;
    const meanAllMs = total > 0 ? ((firstAvg ?? 0) * firstCount + (warmAvg ?? 0) * warmCount) / total : null;
    const errorsV = values(summary, 's2s_errors', pair);
    return {
      ...pair,
      firstMs: firstAvg,
      tokenMs: firstCount > 0 ? num(values(summary, 's2s_token_ms', pair)?.avg) : null,
      tlsMs: firstCount > 0 ? num(values(summary, 's2s_tls_ms', pair)?.avg) : null,
      meanAllMs,
      warmMeanMs: warmAvg,
      warmP50Ms: warmCount > 0 ? num(warm?.med) : null,
      warmP95Ms: warmCount > 0 ? num(warm?.['p(95)']) : null,
      warmP99Ms: warmCount > 0 ? num(warm?.['p(99)']) : null,
      errors: num(errorsV?.passes) ?? 0,
      calls: num(values(summary, 's2s_calls', pair)?.count) ?? 0,
    };
  });
}

/** ms with a precision that suits the magnitude: 0.412, 3.41, 112.3. */
export function formatMs(v: number | null): string {
  if (v === null) return '-';
  if (v < 10) return v.toFixed(3);
  if (v < 100) return v.toFixed(2);
  return v.toFixed(1);
}

function firstCell(row: PairRow): string {
  if (row.firstMs === null) return '-';
  const parts: string[] = [];
  if (row.tokenMs !== null && row.tokenMs > 0) parts.push(`token ${formatMs(row.tokenMs)}`);
  if (row.tlsMs !== null && row.tlsMs > 0) parts.push(`TLS ${formatMs(row.tlsMs)}`);
  return parts.length > 0 ? `${formatMs(row.firstMs)} (${parts.join(', ')})` : formatMs(row.firstMs);
}

function errorsCell(row: PairRow): string {
  if (row.errors === 0) return '0';
  const denom = row.calls > 0 ? row.calls : row.errors;
  return `${row.errors} (${((row.errors / denom) * 100).toFixed(2)}%)`;
}

/** A fixed-width table, one row per pair; times in ms. */
export function renderTable(rows: readonly PairRow[]): string {
  const header = ['source → target', 'auth', 'first ms (token, TLS)', 'mean all', 'warm mean', 'p50', 'p95', 'p99', 'errors', 'n'];
  const body = rows.map((r) => [
    `${r.source} → ${r.target}`,
    r.auth,
    firstCell(r),
    formatMs(r.meanAllMs),
    formatMs(r.warmMeanMs),
    formatMs(r.warmP50Ms),
    formatMs(r.warmP95Ms),
    formatMs(r.warmP99Ms),
    errorsCell(r),
    String(r.calls),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  // Text columns left-aligned, numbers right-aligned, like k6's and wrk's tables.
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line)].join('\n');
}
