// The post's result table, per source → target, computed from the summary's pair sub-metrics: the first call
// of a batch as its spread over batches (median and max, with how many batches and how many were cold), its
// token and TLS share, the mean of all calls as the post computed it, warm mean/p50/p95/p99, errors, n.
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
  /** Median of the first calls over batches, ms (null: none recorded). */
  firstMedMs: number | null;
  /** Slowest first call, ms. */
  firstMaxMs: number | null;
  /** First calls recorded (one per batch that got an answer). */
  firstCount: number;
  /** First calls that were cold (s2s_first_cold passes) and how many said (null: not recorded, older ping). */
  cold: { cold: number; of: number } | null;
  /** Median token fetch of the first calls, ms. */
  tokenMedMs: number | null;
  /** Median TLS handshake of the first calls, ms. */
  tlsMedMs: number | null;
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
    const coldV = values(summary, 's2s_first_cold', pair);
    const coldOf = (num(coldV?.passes) ?? 0) + (num(coldV?.fails) ?? 0);
    return {
      ...pair,
      firstMedMs: firstCount > 0 ? num(first?.med) : null,
      firstMaxMs: firstCount > 0 ? num(first?.max) : null,
      firstCount,
      cold: coldOf > 0 ? { cold: num(coldV?.passes) ?? 0, of: coldOf } : null,
      tokenMedMs: firstCount > 0 ? num(values(summary, 's2s_token_ms', pair)?.med) : null,
      tlsMedMs: firstCount > 0 ? num(values(summary, 's2s_tls_ms', pair)?.med) : null,
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

/** "8.412 (max 94.31, n=5)": one batch gives its only value; a mean would blend cold and warm first calls. */
function firstCell(row: PairRow): string {
  if (row.firstMedMs === null) return '-';
  if (row.firstCount === 1) return `${formatMs(row.firstMedMs)} (n=1)`;
  return `${formatMs(row.firstMedMs)} (max ${formatMs(row.firstMaxMs)}, n=${row.firstCount})`;
}

function phaseCell(v: number | null): string {
  return v === null || v === 0 ? '-' : formatMs(v);
}

function errorsCell(row: PairRow): string {
  if (row.errors === 0) return '0';
  const denom = row.calls > 0 ? row.calls : row.errors;
  return `${row.errors} (${((row.errors / denom) * 100).toFixed(2)}%)`;
}

export const TABLE_HEADER = ['source → target', 'auth', 'first ms: median (max, n)', 'cold', 'token', 'TLS', 'mean all', 'warm mean', 'p50', 'p95', 'p99', 'errors', 'n'];

/** A fixed-width table, one row per pair; times in ms. */
export function renderTable(rows: readonly PairRow[]): string {
  const body = rows.map((r) => [
    `${r.source} → ${r.target}`,
    r.auth,
    firstCell(r),
    r.cold ? `${r.cold.cold}/${r.cold.of}` : '-',
    phaseCell(r.tokenMedMs),
    phaseCell(r.tlsMedMs),
    formatMs(r.meanAllMs),
    formatMs(r.warmMeanMs),
    formatMs(r.warmP50Ms),
    formatMs(r.warmP95Ms),
    formatMs(r.warmP99Ms),
    errorsCell(r),
    String(r.calls),
  ]);
  const widths = TABLE_HEADER.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  // Text columns left-aligned, numbers right-aligned, like k6's and wrk's tables.
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(TABLE_HEADER), rule, ...body.map(line)].join('\n');
}

/** The line above the table: what each column means, and what the first call paid for in this scenario. */
export function tableCaption(platform: string, scenario: string, connection: string): string {
  const first =
    scenario === 'load'
      ? 'first = first call of a load batch (warm token: not a cold call)'
      : 'first = cold first call of each batch (token fetch + TCP + full TLS), median over batches';
  return `${platform} · ${scenario} · ${connection} connection · times in ms (${first}; cold = cold first calls / batches; token, TLS = medians; mean all = the post's average; p50/p95/p99 = warm calls)`;
}

/** What an arrival-rate (load) run delivered against what it asked for. */
export interface LoadDelivery {
  requestedIterations: number;
  requestedPerSec: number;
  achievedIterations: number;
  achievedPerSec: number;
  dropped: number;
  /** 0..1 of the requested iterations that ran. */
  delivered: number;
  maxVUs: number;
  /** Peak initialised VUs seen by the engine (vus_max). */
  vusMax: number | null;
  /** Why iterations were dropped, when they were: the VU cap, or services that could not keep up. */
  cause: 'vu-cap' | 'services' | null;
}

export function loadDelivery(summary: SummaryLike, requested: { iterations: number; durationSec: number; maxVUs: number }): LoadDelivery {
  const m = summary.metrics;
  const achieved = num(m['iterations']?.values['count']) ?? 0;
  const dropped = num(m['dropped_iterations']?.values['count']) ?? 0;
  const runSec = (summary.state?.testRunDurationMs ?? requested.durationSec * 1000) / 1000;
  const vusMax = num(m['vus_max']?.values['max']) ?? num(m['vus_max']?.values['value']);
  const cause = dropped === 0 ? null : vusMax !== null && vusMax >= requested.maxVUs ? 'vu-cap' : 'services';
  return {
    requestedIterations: requested.iterations,
    requestedPerSec: requested.durationSec > 0 ? requested.iterations / requested.durationSec : 0,
    achievedIterations: achieved,
    achievedPerSec: runSec > 0 ? achieved / Math.max(runSec, requested.durationSec) : 0,
    dropped,
    delivered: requested.iterations > 0 ? achieved / requested.iterations : 1,
    maxVUs: requested.maxVUs,
    vusMax,
    cause,
  };
}

/** The achieved-rate line under the table, and a warning when load was not delivered. */
export function renderDelivery(d: LoadDelivery): { line: string; warning: string | null } {
  const line = `load: requested ${d.requestedPerSec.toFixed(1)}/s (${d.requestedIterations} iterations), achieved ${d.achievedPerSec.toFixed(1)}/s (${d.achievedIterations}, ${(d.delivered * 100).toFixed(1)}%), dropped ${d.dropped}, VUs ${d.vusMax ?? '?'}/${d.maxVUs}`;
  if (d.dropped === 0) return { line, warning: null };
  const why = d.cause === 'vu-cap'
    ? `the VU cap was reached (${d.maxVUs} VUs all busy): raise --max-vus`
    : `the services could not keep up (VUs ${d.vusMax ?? '?'} of ${d.maxVUs} in use, iterations slower than the rate): lower --rate, or read the latencies above as a saturated platform`;
  return { line, warning: `warning: load not delivered — requested ${d.requestedPerSec.toFixed(1)}/s, achieved ${d.achievedPerSec.toFixed(1)}/s (${d.dropped} iterations dropped); likely cause: ${why}` };
}
