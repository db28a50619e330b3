// Turns what was measured (a ping answer, or the VU's own direct calls) into samples of the contract's
// metrics. Written against a small sink interface so it runs in k6 (metrics.ts) and in vitest alike.
import type { FirstCallCold, PingResult } from '../../src/contract/ping.ts';

export type SampleTags = {
  platform: string;
  source: string;
  target: string;
  auth: string;
  connection: string;
};

/** What a first call paid for, as tags of its `s2s_first_cold` sample (tag values are part of the contract). */
export type ColdTags = SampleTags & {
  /** fetched | cached | none (the hop needs no token). */
  first_token: string;
  /** new | reused. */
  first_conn: string;
  /** full | resumed | none (plain HTTP, or no handshake on a reused connection). */
  first_tls: string;
};

export interface MetricSink {
  latency(valueMs: number, tags: SampleTags): void;
  first(valueMs: number, tags: SampleTags): void;
  token(valueMs: number, tags: SampleTags): void;
  dns(valueMs: number, tags: SampleTags): void;
  connect(valueMs: number, tags: SampleTags): void;
  tls(valueMs: number, tags: SampleTags): void;
  ttfb(valueMs: number, tags: SampleTags): void;
  /** One sample per inner call: true = failed. */
  error(failed: boolean, tags: SampleTags): void;
  calls(n: number, tags: SampleTags): void;
  /** One sample per first call: true = cold (token fetched when needed, new connection, full TLS or plain HTTP). */
  cold(cold: boolean, tags: ColdTags): void;
}

/** The `s2s_first_cold` sample of a first call: cold when it paid for everything a first call can pay for. */
export function recordCold(c: FirstCallCold, needsToken: boolean, tags: SampleTags, sink: MetricSink): boolean {
  const cold = (!needsToken || c.tokenFetched) && c.newConnection && c.tlsHandshake !== 'resumed';
  sink.cold(cold, {
    ...tags,
    first_token: needsToken ? (c.tokenFetched ? 'fetched' : 'cached') : 'none',
    first_conn: c.newConnection ? 'new' : 'reused',
    first_tls: c.tlsHandshake,
  });
  return cold;
}

export interface RecordOutcome {
  calls: number;
  errors: number;
  /** Warm samples recorded. */
  warmSamples: number;
  /** Warm calls ping made but whose samples were not returned (PING_MAX_SAMPLES cap). */
  warmMissing: number;
}

/**
 * Records one ping batch answer, everything in one synchronous run (no await): the embedded engine can only
 * interrupt a VU at an await, so a ping answer's samples and counters land together or not at all. The call
 * count comes last, as the commit mark of the batch: real k6 can interrupt a VU anywhere, and a run whose
 * calls disagree with its samples is then named by the runner (see src/runner/consistency.ts).
 */
export function recordPingResult(result: PingResult, tags: SampleTags, sink: MetricSink): RecordOutcome {
  const first = result.first;
  // Phases only mean something when the first call got an answer; a refused connection is counted as an error.
  if (first.status !== null && first.errorCode === null) {
    const p = first.phasesMs;
    sink.first(p.totalMs, tags);
    sink.token(p.tokenMs, tags);
    sink.dns(p.dnsMs, tags);
    sink.connect(p.connectMs, tags);
    sink.tls(p.tlsMs, tags);
    sink.ttfb(p.ttfbMs, tags);
    if (first.cold) recordCold(first.cold, result.auth === 'id-token', tags, sink);
  }
  const samples = result.samplesMs ?? [];
  for (const v of samples) sink.latency(v, tags);
  const calls = result.calls;
  const errors = Math.min(result.errors.total, calls);
  for (let i = 0; i < errors; i++) sink.error(true, tags);
  for (let i = errors; i < calls; i++) sink.error(false, tags);
  sink.calls(calls, tags);
  return { calls, errors, warmSamples: samples.length, warmMissing: Math.max(0, result.warm.count - samples.length) };
}

/** Records a ping request that did not return a usable answer: every inner call asked for counts as failed. */
export function recordPingFailure(count: number, tags: SampleTags, sink: MetricSink): void {
  for (let i = 0; i < count; i++) sink.error(true, tags);
  sink.calls(0, tags);
}

/** The subset of k6's Response.timings the direct scenario uses, ms. */
export interface CallTimings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

/**
 * Records one call the VU made itself. The first call of a batch goes to the first-call metrics
 * (k6's http_req_duration excludes connect and TLS, so total adds them back); later calls are warm.
 */
/** How the first call of a direct batch got its token: fetched for it (cold), or none needed. */
export interface DirectToken {
  needed: boolean;
  fetched: boolean;
  /** Time to obtain it, ms (0 when not fetched). */
  ms: number;
}

export function recordDirectCall(
  call: { ok: boolean; timings: CallTimings; first: boolean; https?: boolean; token?: DirectToken },
  tags: SampleTags,
  sink: MetricSink,
): void {
  const t = call.timings;
  const token = call.token ?? { needed: false, fetched: false, ms: 0 };
  // The token fetch is part of the first call, as in ping's batches.
  const totalMs = t.blocked + t.connecting + t.tls_handshaking + t.duration + (call.first ? token.ms : 0);
  if (call.first) {
    if (call.ok) {
      sink.first(totalMs, tags);
      sink.token(token.ms, tags);
      sink.connect(t.connecting, tags);
      sink.tls(t.tls_handshaking, tags);
      sink.ttfb(t.sending + t.waiting, tags);
      // Neither engine resumes TLS sessions (k6 v1.3.0 checked; the embedded engine keeps no session cache),
      // so a handshake on a new connection is a full one.
      const newConnection = t.connecting > 0;
      const tlsHandshake = call.https && t.tls_handshaking > 0 ? 'full' : 'none';
      recordCold({ tokenFetched: token.fetched, newConnection, tlsHandshake }, token.needed, tags, sink);
    }
  } else if (call.ok) {
    sink.latency(totalMs, tags);
  }
  sink.error(!call.ok, tags);
  sink.calls(1, tags);
}

/** Validates the parts of a ping answer this module reads; returns a reason or null. */
export function pingResultProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const r = value as Partial<PingResult>;
  if (typeof r.calls !== 'number') return 'no "calls" number';
  if (typeof r.first !== 'object' || r.first === null || typeof r.first.phasesMs !== 'object') return 'no "first.phasesMs"';
  if (typeof r.errors !== 'object' || r.errors === null || typeof r.errors.total !== 'number') return 'no "errors.total"';
  if (typeof r.warm !== 'object' || r.warm === null) return 'no "warm"';
  if (r.samplesMs !== undefined && !Array.isArray(r.samplesMs)) return '"samplesMs" is not an array';
  return null;
}
