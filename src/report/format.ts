// Number formatting for reports: durations with their unit (µs / ms / s) and 4 significant
// digits, so sub-millisecond latencies are never truncated to "0 ms".

/** 4 significant digits without exponent notation. */
function sig4(x: number): string {
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a === 0) return '0';
  return x.toPrecision(4);
}

/** A duration given in ms, shown in the unit that keeps 4 significant digits readable. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms === 0) return '0 ms';
  const a = Math.abs(ms);
  if (a < 1) return `${sig4(ms * 1000)} µs`;
  if (a < 10_000) return `${sig4(ms)} ms`;
  return `${sig4(ms / 1000)} s`;
}

/**
 * A duration in ms without a unit, 4 significant digits (0.01234, 1.234, 123.4, 12345): for table columns whose
 * header carries the unit, so every cell of a column is in the same unit.
 */
export function fmtMsNum(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return sig4(ms);
}

/** A signed duration difference in ms without a unit ("+1.234", "−0.0123"). */
export function fmtDiffMsNum(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms > 0 ? `+${sig4(ms)}` : ms < 0 ? `−${sig4(-ms)}` : '0';
}

/** A signed duration difference, e.g. "+1.234 ms". */
export function fmtDiffMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms > 0 ? `+${fmtMs(ms)}` : ms < 0 ? `−${fmtMs(-ms)}` : '0 ms';
}

/** A fraction as a percentage, e.g. 0.1234 → "12.34%". */
export function fmtPct(fraction: number | null | undefined, signed = false): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const s = `${sig4(fraction * 100)}%`;
  return signed && fraction > 0 ? `+${s}` : s.replace(/^-/, '−');
}

export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return Number.isInteger(n) ? String(n) : sig4(n);
}

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Math.abs(n) < 1000) return `${fmtCount(n)} B`;
  if (Math.abs(n) < 1e6) return `${sig4(n / 1000)} kB`;
  return `${sig4(n / 1e6)} MB`;
}

/** A per-second rate, e.g. "60.40/s". */
export function fmtPerSecond(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return `${sig4(n)}/s`;
}

/**
 * Parses a value printed by the functions above back into ms (durations), a fraction (percent),
 * bytes or a plain number: what tests use to check that a report shows the summary's numbers.
 */
export function parseFormatted(text: string): number {
  const t = text.trim().replace('−', '-');
  const m = /^([+-]?\d+(?:\.\d+)?)\s*(µs|ms|s|%|B|kB|MB|\/s)?$/.exec(t);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  switch (m[2]) {
    case 'µs':
      return v / 1000;
    case 's':
      return v * 1000;
    case '%':
      return v / 100;
    case 'kB':
      return v * 1000;
    case 'MB':
      return v * 1e6;
    default:
      return v;
  }
}
