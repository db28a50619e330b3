// `format=text` for /ping: the batch as a small table a human reads in a terminal after curl.
import type { PingResult } from '../src/contract/ping.ts';

function ms(v: number): string {
  return v.toFixed(3).padStart(10);
}

/** "  (token fetched, new connection, full TLS)": what the first call paid for. */
function coldText(r: PingResult): string {
  const c = r.first.cold;
  if (!c) return '';
  const tls = c.tlsHandshake === 'none' ? 'no TLS' : `${c.tlsHandshake} TLS handshake`;
  return `  (${c.tokenFetched ? 'token fetched' : 'no token fetch'}, ${c.newConnection ? 'new connection' : 'reused connection'}, ${tls})`;
}

export function renderPingText(r: PingResult, firstError: string | null): string {
  const p = r.first.phasesMs;
  const w = r.warm;
  const errors = [
    ...Object.entries(r.errors.byStatus).map(([k, v]) => `HTTP ${k}: ${v}`),
    ...Object.entries(r.errors.byCode).map(([k, v]) => `${k}: ${v}`),
  ];
  const lines = [
    `ping ${r.source} -> ${r.target} (${r.url})  auth=${r.auth} connection=${r.connection} client=${r.client ?? 'raw'}`,
    `calls ${r.calls}/${r.countRequested}${r.truncated ? ' (truncated)' : ''}  errors ${r.errors.total}${errors.length ? ` (${errors.join(', ')})` : ''}  duration ${r.durationMs.toFixed(1)} ms`,
    '',
    `first call  status ${r.first.status ?? '-'}${r.first.errorCode ? ` error ${r.first.errorCode}` : ''}${firstError ? `: ${firstError}` : ''}${coldText(r)}`,
    '  phase            ms',
    `  token    ${ms(p.tokenMs)}`,
    `  dns      ${ms(p.dnsMs)}`,
    `  connect  ${ms(p.connectMs)}`,
    `  tls      ${ms(p.tlsMs)}`,
    `  ttfb     ${ms(p.ttfbMs)}`,
    `  total    ${ms(p.totalMs)}`,
    '',
    `warm calls ${w.count}  (ms)`,
    '         min       mean        p50        p90        p95        p99        max     stddev',
    [w.minMs, w.meanMs, w.p50Ms, w.p90Ms, w.p95Ms, w.p99Ms, w.maxMs, w.stddevMs].map(ms).join(' '),
    '',
    `all-calls mean ${r.allMeanMs.toFixed(3)} ms`,
    '',
  ];
  return lines.join('\n');
}
