// One /ping batch: N timed calls to one allow-listed URL over node:http(s), the first split into
// phases from socket events (token, DNS, connect, TLS, first byte), the warm ones recorded in a
// LatencyHistogram. Lean on purpose: the warm loop allocates little beyond what node:http needs.
import type { AuthMode, ConnectionMode, FirstCallCold, FirstCallPhasesMs, PingResult, TokenMode } from '../src/contract/ping.ts';
import { LatencyHistogram } from '../src/results/histogram.ts';
import type { IdTokenCache } from '../src/auth/id-token-cache.ts';
import { redactError } from '../src/auth/redact.ts';
import { ByteBudget, BYTES_LIMIT_CODE, Http1Caller, newPhaseMarks, type Caller, type PhaseMarks } from './http1-caller.ts';
import { NodeHttpCaller } from './node-http-caller.ts';

/** Which client makes the calls: the lean HTTP/1.1 one (default) or node:http (cross-check). */
export type ClientKind = 'raw' | 'node';

/** Error codes that are not Node's own: what `errors.byCode` may hold besides ECONNREFUSED & co. */
export const ERROR_CODES = { timeout: 'TIMEOUT', token: 'TOKEN_FETCH_FAILED', unknown: 'UNKNOWN' } as const;


export interface BatchOptions {
  source: string;
  targetName: string;
  url: URL;
  count: number;
  auth: AuthMode;
  connection: ConnectionMode;
  /** fresh: the first call fetches its own ID token (cold first call); cached: it may reuse one. */
  token: TokenMode;
  client: ClientKind;
  samples: boolean;
  maxSamples: number;
  callTimeoutMs: number;
  deadlineMs: number;
  /** Response bytes (heads + bodies, as read from the socket) the whole batch may receive; past it the batch stops. */
  maxBytes: number;
  /** Aborts the batch (client gone, shutdown): the result is partial and `truncated`. */
  signal: AbortSignal;
  tokens: IdTokenCache;
}

const noop = () => {};

function coldOf(marks: PhaseMarks | null, tokenFetched: boolean): FirstCallCold {
  const tlsHandshake = marks?.tlsResumed === null || marks === null ? 'none' : marks.tlsResumed ? 'resumed' : 'full';
  return { tokenFetched, newConnection: marks?.newConnection ?? false, tlsHandshake };
}

function emptyPhases(): FirstCallPhasesMs {
  return { tokenMs: 0, dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, totalMs: 0 };
}

/** Rounds to µs: the precision the contract promises, without float noise in the JSON. */
function us(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function phasesFrom(marks: PhaseMarks, callStartMs: number, endMs: number, tokenMs: number, batchStartMs: number): FirstCallPhasesMs {
  const afterDns = marks.lookupMs || callStartMs;
  const connected = marks.connectMs || afterDns;
  return {
    tokenMs: us(tokenMs),
    dnsMs: us(marks.lookupMs ? marks.lookupMs - callStartMs : 0),
    connectMs: us(marks.connectMs ? marks.connectMs - afterDns : 0),
    tlsMs: us(marks.secureMs ? marks.secureMs - connected : 0),
    ttfbMs: us(marks.sentMs && marks.responseMs ? marks.responseMs - marks.sentMs : 0),
    totalMs: us(endMs - batchStartMs),
  };
}

/** The URL as reported: never credentials (they are rejected anyway), never a token. */
function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search}`;
}

export interface BatchOutcome {
  result: PingResult;
  /** Redacted reason the first call failed (token fetch, transport), for the log and the text view. */
  firstError: string | null;
}

export async function runBatch(o: BatchOptions): Promise<BatchOutcome> {
  const startedAt = new Date().toISOString();
  const audience = o.url.origin;
  const batchStartMs = performance.now();
  const deadlineAtMs = batchStartMs + o.deadlineMs;
  const histogram = new LatencyHistogram();
  const byStatus: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  let errorsTotal = 0;
  const samplesCap = o.samples ? Math.min(o.maxSamples, o.count) : 0;
  const samplesMs: number[] | undefined = o.samples ? [] : undefined;
  let samplesDropped = false;
  const budget = new ByteBudget(o.maxBytes);
  const caller: Caller =
    o.client === 'node' ? new NodeHttpCaller(o.url, o.connection, o.callTimeoutMs, budget) : new Http1Caller(o.url, o.connection, o.callTimeoutMs, budget);
  const overBudget = () => `stopped after ${calls} call(s): the target sent more than PING_MAX_BATCH_BYTES=${o.maxBytes} response bytes in this batch`;
  // Stopped by the deadline or the signal: the call in flight is cut and not counted.
  let stopped = false;
  let wakeOnStop: () => void = noop;
  const stoppedPromise = new Promise<null>((resolve) => (wakeOnStop = () => resolve(null)));
  const stop = () => {
    stopped = true;
    caller.cancel();
    wakeOnStop();
  };
  if (o.signal.aborted) stopped = true;
  o.signal.addEventListener('abort', stop);
  const deadlineTimer = setTimeout(stop, Math.max(0, o.deadlineMs));
  /** A token, or null when the batch was stopped while waiting for it (a hung metadata server). */
  const tokenOrStop = (fresh = false): Promise<string | null> => Promise.race([fresh ? o.tokens.fresh(audience) : o.tokens.get(audience), stoppedPromise]);
  let calls = 0;
  let cut = false;
  let firstError: string | null = null;
  const first: PingResult['first'] = { status: null, errorCode: null, phasesMs: emptyPhases() };
  let firstOkMs: number | null = null;
  const wantsToken = o.auth === 'id-token';

  const countError = (status: number, code: string | null) => {
    errorsTotal++;
    if (code !== null) byCode[code] = (byCode[code] ?? 0) + 1;
    else byStatus[status] = (byStatus[status] ?? 0) + 1;
  };
  const stopNow = () => stopped || performance.now() >= deadlineAtMs;

  try {
    // First call: token (if any) + new connection + TLS + request, each phase timed.
    let tokenMs = 0;
    let tokenOk = true;
    let tokenFetched = false;
    if (wantsToken) {
      const t0 = performance.now();
      try {
        tokenFetched = o.token === 'fresh' || o.tokens.peek(audience) === undefined;
        const token = await tokenOrStop(o.token === 'fresh');
        if (token === null) cut = true;
        else caller.setToken(token);
      } catch (err) {
        tokenOk = false;
        firstError = redactError(err);
      }
      tokenMs = performance.now() - t0;
    }
    if (cut) {
      // stopped while waiting for the token: nothing was called
    } else if (!tokenOk) {
      // Without a token every call would fail the same way: report one failed attempt and stop.
      calls = 1;
      first.errorCode = ERROR_CODES.token;
      first.phasesMs = { ...emptyPhases(), tokenMs: us(tokenMs), totalMs: us(performance.now() - batchStartMs) };
      first.cold = coldOf(null, tokenFetched);
      countError(0, ERROR_CODES.token);
    } else if (!stopNow()) {
      const marks = newPhaseMarks();
      const callStartMs = performance.now();
      await caller.call(marks);
      const endMs = performance.now();
      if (stopped) {
        cut = true;
      } else {
        calls = 1;
        first.status = caller.status || null;
        first.errorCode = caller.code;
        first.phasesMs = phasesFrom(marks, callStartMs, endMs, tokenMs, batchStartMs);
        first.cold = coldOf(marks, tokenFetched);
        if (caller.code === null && caller.status >= 200 && caller.status < 300) firstOkMs = first.phasesMs.totalMs;
        else {
          countError(caller.status, caller.code);
          firstError = caller.code === BYTES_LIMIT_CODE ? overBudget() : caller.code ?? `HTTP ${caller.status}`;
        }
      }
    }

    // Warm calls.
    while (tokenOk && !cut && calls < o.count && caller.code !== BYTES_LIMIT_CODE) {
      if (stopNow()) {
        cut = true;
        break;
      }
      if (wantsToken) {
        const cached = o.tokens.peek(audience);
        if (cached === undefined) {
          try {
            const token = await tokenOrStop();
            if (token === null) {
              cut = true;
              break;
            }
            caller.setToken(token);
          } catch (err) {
            countError(0, ERROR_CODES.token);
            calls++;
            firstError ??= redactError(err);
            break;
          }
        }
      }
      await caller.call(null);
      if (stopped) {
        cut = true;
        break;
      }
      calls++;
      const status = caller.status;
      if (caller.code === null && status >= 200 && status < 300) {
        histogram.record(caller.durationMs);
        if (samplesMs) {
          if (samplesMs.length < samplesCap) samplesMs.push(us(caller.durationMs));
          else samplesDropped = true;
        }
      } else {
        countError(status, caller.code);
        if (caller.code === BYTES_LIMIT_CODE) {
          firstError ??= overBudget();
          break;
        }
      }
    }
  } finally {
    clearTimeout(deadlineTimer);
    o.signal.removeEventListener('abort', stop);
    wakeOnStop();
    caller.close();
  }

  const warm = histogram.stats();
  const snap = histogram.toSnapshot();
  const okCount = histogram.count + (firstOkMs !== null ? 1 : 0);
  const result: PingResult = {
    schemaVersion: 1,
    source: o.source,
    target: o.targetName,
    url: shownUrl(o.url),
    auth: o.auth,
    connection: o.connection,
    token: o.token,
    client: o.client,
    countRequested: o.count,
    calls,
    truncated: calls < o.count,
    startedAt,
    durationMs: us(performance.now() - batchStartMs),
    first,
    warm: {
      count: warm.count,
      minMs: us(warm.minMs),
      meanMs: us(warm.meanMs),
      p50Ms: us(warm.p50Ms),
      p90Ms: us(warm.p90Ms),
      p95Ms: us(warm.p95Ms),
      p99Ms: us(warm.p99Ms),
      maxMs: us(warm.maxMs),
      stddevMs: us(warm.stddevMs),
    },
    allMeanMs: okCount > 0 ? us((histogram.sumMs + (firstOkMs ?? 0)) / okCount) : 0,
    errors: { total: errorsTotal, byStatus, byCode },
    histogram: snap,
  };
  if (firstError !== null) result.first.error = firstError;
  if (samplesMs) {
    result.samplesMs = samplesMs;
    result.samplesTruncated = samplesDropped;
  }
  return { result, firstError };
}
