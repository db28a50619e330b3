// Turns what was measured (a ping answer, or the VU's own direct calls) into samples of the contract's
// metrics. Written against a small sink interface so it runs in k6 (metrics.ts) and in vitest alike.
import type { PingResult } from '../../src/contract/ping.ts';

export type SampleTags = {
  platform: string;
  source: string;
  target: string;
  auth: string;
  connection: string;
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
}

export interface RecordOutcome {
  calls: number;
  errors: number;
  /** Warm samples recorded. */
  warmSamples: number;
  /** Warm calls ping made but whose samples were not returned (PING_MAX_SAMPLES cap). */
  warmMissing: number;
}

/** Records one ping batch answer. */
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
export function recordDirectCall(
  call: { ok: boolean; timings: CallTimings; first: boolean },
  tags: SampleTags,
  sink: MetricSink,
): void {
  const t = call.timings;
  const totalMs = t.blocked + t.connecting + t.tls_handshaking + t.duration;
  if (call.first) {
    if (call.ok) {
      sink.first(totalMs, tags);
      sink.token(0, tags); // the runner fetched the token before the run: no token time on this hop
      sink.connect(t.connecting, tags);
      sink.tls(t.tls_handshaking, tags);
      sink.ttfb(t.sending + t.waiting, tags);
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
