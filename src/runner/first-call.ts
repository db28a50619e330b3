// What "first call" means in a run, written into run.json: what its time includes (token, DNS, TCP, TLS) and
// never includes (instance cold start), how the scenario makes every batch pay for it, and how it came out
// per pair (median and max over batches, how many were cold as observed).
import type { RunMeta } from '../results/run-meta.ts';
import type { PairRow } from './table.ts';

type FirstCall = NonNullable<RunMeta['firstCall']>;

const EXCLUDES = ['instance cold start (deploys keep at least one warm instance; the local services are up before the run)', 'the outer hop (runner → ping)'];

export function firstCallRecord(scenario: string, rows: readonly PairRow[], tokenRequests?: Record<string, number>): FirstCall {
  const pairs = rows.map((r) => ({
    source: r.source,
    target: r.target,
    batches: r.firstCount,
    coldBatches: r.cold ? r.cold.cold : null,
    medianMs: r.firstMedMs,
    maxMs: r.firstMaxMs,
  }));
  const tail = ['DNS lookup (0 for an IP address)', 'TCP connect', 'TLS handshake, full (no session resumption)', 'request to first byte and body'];
  const base = tokenRequests ? { tokenRequests } : {};
  if (scenario === 'load') {
    return {
      cold: false,
      includes: ['ID token from ping’s cache (no fetch: warm token)', ...tail],
      excludes: EXCLUDES,
      how: 'load keeps tokens warm: ping reuses its cached ID token (token=cached) and the VUs keep their connections to ping; each batch still opens a new connection to the target.',
      pairs,
      ...base,
    };
  }
  if (scenario === 'direct') {
    return {
      cold: true,
      includes: ['ID token fetch, a new one each batch (runner token source through the token broker), for a private target', ...tail],
      excludes: EXCLUDES,
      how: 'every batch fetches a new ID token for its first call, and the last call of the batch before closes its connection (Connection: close), so the first call opens a new TCP connection and does a full TLS handshake.',
      pairs,
      ...base,
    };
  }
  return {
    cold: true,
    includes: ['ID token fetch by ping (google-auth-library → metadata server), a new one each batch, for id-token targets', ...tail],
    excludes: EXCLUDES,
    how: 'ping fetches a new ID token for the first call of every batch (/ping?token=fresh) and opens a new connection for it; ping reports per batch what the call paid for (s2s_first_cold).',
    pairs,
    ...base,
  };
}

/** Per-audience counts minted between two snapshots of the emulator. */
export function tokenRequestsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [audience, n] of Object.entries(after)) {
    const d = n - (before[audience] ?? 0);
    if (d > 0) out[audience] = d;
  }
  return out;
}
