// Test support: the recorded real k6 v1.3.0 run (test/fixtures/k6-v1.3.0) replayed through our registry,
// thresholds and summary builder, for the summary and text-summary contract tests.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MetricRegistry } from './metrics.ts';
import { readNdjson, replayNdjson } from './ndjson.ts';
import { DEFAULT_SUMMARY_TREND_STATS, buildSummaryData, type SummaryData } from './summary.ts';
import { parseThresholds, type ThresholdEvaluation } from './thresholds.ts';

export const FIXTURE = fileURLToPath(new URL('../../test/fixtures/k6-v1.3.0/', import.meta.url));

/** reference.js's thresholds, with its P95 env value. */
export function referenceThresholds(p95: string): Record<string, unknown> {
  return {
    's2s_latency_ms{target:pong-sec}': [`p(95)<${p95}`, 'avg<1000'],
    s2s_ok: ['rate>0.5'],
    s2s_calls: ['count>10'],
    http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: false }],
    'http_req_duration{kind:load}': ['p(99)<1000'],
    checks: ['rate>0.5'],
  };
}

/** Replays a fixture run's `--out json` Points and builds summary data the way the engine does at the end. */
export async function summaryFromFixture(run: 'pass' | 'fail'): Promise<{
  ours: SummaryData;
  k6: SummaryData;
  registry: MetricRegistry;
  evaluation: ThresholdEvaluation;
}> {
  const k6 = JSON.parse(await readFile(`${FIXTURE}${run}/handle-summary.json`, 'utf8')) as SummaryData;
  const registry = new MetricRegistry();
  const thresholds = parseThresholds(referenceThresholds(run === 'pass' ? '500' : '0.001'), registry);
  await replayNdjson(readNdjson(`${FIXTURE}${run}/out.ndjson.gz`), registry);
  thresholds.validate(registry);
  const durationMs = k6.state.testRunDurationMs;
  const evaluation = thresholds.evaluate(registry, { elapsedMs: durationMs, final: true });
  const ours = buildSummaryData({
    registry,
    thresholds: evaluation,
    rootGroup: k6.root_group,
    summaryTrendStats: DEFAULT_SUMMARY_TREND_STATS,
    noColor: true,
    isStdOutTTY: false,
    isStdErrTTY: false,
    testRunDurationMs: durationMs,
  });
  return { ours, k6, registry, evaluation };
}

