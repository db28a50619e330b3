// The JSON answer of `GET /ping?format=json` — the contract between the ping service (app/),
// the k6 scenarios (scenarios/, which import these types only: nothing here may touch Node),
// and the reports. Every number carries its unit in its name; times are ms with µs precision.

export type AuthMode = 'id-token' | 'mesh-mtls' | 'none';
export type ConnectionMode = 'reuse' | 'new';
/** `/ping?token=`: `fresh` fetches a new ID token for the first call of every batch (a cold first call); `cached` reuses one. */
export type TokenMode = 'fresh' | 'cached';

/**
 * What the first call of a batch had to pay, as observed on it (not assumed): whether it fetched an ID
 * token, opened a new TCP connection, and whether its TLS handshake was full or resumed from an earlier
 * session. "Cold" = token fetch + DNS + TCP + full TLS; instance cold start is not part of it.
 */
export interface FirstCallCold {
  /** True when this call fetched its ID token (false: auth=none, or a cached token was used). */
  tokenFetched: boolean;
  /** True when the call opened its own TCP connection. */
  newConnection: boolean;
  /** 'full' handshake, 'resumed' session (cheaper: not cold), or 'none' for plain HTTP / no connection made. */
  tlsHandshake: 'full' | 'resumed' | 'none';
}

/** Phases of the first call of a batch (token fetch + a fresh connection + TLS + first byte). */
export interface FirstCallPhasesMs {
  /** Time to obtain the ID token (0 when auth=none or the token was cached). */
  tokenMs: number;
  /** DNS lookup (0 for an IP literal). */
  dnsMs: number;
  /** TCP connect. */
  connectMs: number;
  /** TLS handshake (0 for plain HTTP). */
  tlsMs: number;
  /** From request written to first response byte. */
  ttfbMs: number;
  /** Whole first call including the token fetch, until the body was read. */
  totalMs: number;
}

/** Latency statistics of a set of calls. All ms. */
export interface LatencyStatsMs {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  stddevMs: number;
}

/** Warm calls (2..n) statistics. */
export type WarmStatsMs = LatencyStatsMs;

/** A histogram in a form that survives JSON: exact moments plus the HDR-encoded distribution (src/results/histogram.ts). */
export interface HistogramSnapshot {
  /** Always 'hdr-ns-b64': HdrHistogram V2 compressed, base64, values in nanoseconds. */
  encoding: 'hdr-ns-b64';
  count: number;
  /** Exact sum of all recorded values, ms. */
  sumMs: number;
  /** Exact sum of squares, ms² (for stddev after merging). */
  sumSqMs: number;
  /** Exact smallest recorded value, ms (null when empty). */
  minMs: number | null;
  /** Exact largest recorded value, ms (null when empty). */
  maxMs: number | null;
  /** The encoded HDR histogram. */
  hdr: string;
}

export interface PingErrors {
  /** Calls that failed (non-2xx status or transport error), first call included. */
  total: number;
  /** Count per HTTP status of failed calls, e.g. {"401": 1000}. */
  byStatus: Record<string, number>;
  /** Count per transport error code, e.g. {"ECONNREFUSED": 3, "TIMEOUT": 1}. */
  byCode: Record<string, number>;
}

export interface PingResult {
  schemaVersion: 1;
  /** Where ping runs (PING_SOURCE, e.g. "local", "cloudrun", "gke"). */
  source: string;
  /** Allow-list name of the target, or the matched name when `url=` was used. */
  target: string;
  /** Full URL that was called (no credentials, no token). */
  url: string;
  auth: AuthMode;
  connection: ConnectionMode;
  /** Token mode asked for (`token=`); absent in answers of older pings. */
  token?: TokenMode;
  /** Which client made the calls: 'raw' (lean HTTP/1.1, the default) or 'node' (node:http, cross-check). */
  client?: 'raw' | 'node';
  /** Calls asked for. */
  countRequested: number;
  /** Calls actually made (less than requested when the batch deadline cut it). */
  calls: number;
  /** True when the batch stopped early (deadline, shutdown, client gone). */
  truncated: boolean;
  startedAt: string;
  durationMs: number;
  first: {
    status: number | null;
    errorCode: string | null;
    phasesMs: FirstCallPhasesMs;
    /** Short, redacted reason when the first call (or its token fetch) failed; absent when it worked. */
    error?: string;
    /** How cold the first call was (absent in answers of older pings). */
    cold?: FirstCallCold;
  };
  warm: WarmStatsMs;
  /** Mean of all calls including the first, the post's "average" figure. */
  allMeanMs: number;
  errors: PingErrors;
  /** Warm-call histogram, mergeable. */
  histogram: HistogramSnapshot;
  /** Warm-call durations in call order, ms, when `samples=1` (capped by PING_MAX_SAMPLES). */
  samplesMs?: number[];
  /** True when samplesMs holds fewer values than warm.count because of the cap. */
  samplesTruncated?: boolean;
}
