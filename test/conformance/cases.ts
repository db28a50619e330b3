// The conformance corpus: one entry per golden. A case runs `scripts/<script>` with the common flags
// (-q, -e BASE, -e CLOSED, -e SUMMARY_OUT) and its own; see README.md for the placeholders.

/** Counts of a timed case may differ from k6's by max(absolute, relative × k6's count). */
export interface Tolerance {
  relative: number;
  absolute: number;
}

export interface ConformanceCase {
  /** The golden's folder name (goldens/<name>/). */
  name: string;
  /** Script path relative to scripts/ (default `<name>.js`); may name a missing file on purpose. */
  script?: string;
  /** Flags after the common ones, before the script; `{tmp}` is the case's temp folder. */
  args?: string[];
  /** Extra process environment (K6_* options); `{tmp}` is replaced. */
  env?: Record<string, string>;
  /** Where the handleSummary JSON lands (default `{tmp}/summary.json`, what lib/summary.js writes). */
  summaryFile?: string;
  /** Adds `--out json={tmp}/out.ndjson` and records the line shapes. */
  outJson?: boolean;
  /** Adds `--summary-export {tmp}/export.json` and records its shape. */
  summaryExport?: boolean;
  /** A timed case: counts are compared within this tolerance (exact otherwise). */
  timed?: Tolerance;
  /** Metric keys that appear or not depending on timing (e.g. dropped_iterations). */
  optionalMetrics?: string[];
}

/**
 * Loops for a duration: how many iterations fit depends on the machine's load (on 2 cores shared with other
 * work, a VU's first iterations can take twice as long). Wide enough for that, still catching a scheduler that
 * runs nothing or double. The test also runs a timed case once more when only its counts differed.
 */
const TIMED: Tolerance = { relative: 0.5, absolute: 2 };
/** A sub-second ramp of 0-2 VUs: a few iterations, shifted by how fast a new VU starts on a loaded machine. */
const RAMP: Tolerance = { relative: 0.5, absolute: 3 };
/** Runs for a duration, but the counts are fixed by margins of 200 ms or more: only sampled gauges may vary. */
const SETTLED: Tolerance = { relative: 0, absolute: 0 };

const SCRIPT_CASES: ConformanceCase[] = [
  // thresholds
  { name: 'th-trend-aggregations' },
  { name: 'th-trend-count' },
  { name: 'th-counter-aggregations' },
  { name: 'th-rate-aggregation' },
  { name: 'th-gauge-aggregation' },
  { name: 'th-all-pass' },
  { name: 'th-builtin-fail' },
  { name: 'th-submetric-tags' },
  { name: 'th-submetric-group' },
  { name: 'th-submetric-scenario' },
  { name: 'th-submetric-declare-only' },
  { name: 'th-long-form' },
  { name: 'th-abort-on-fail', timed: TIMED },
  { name: 'th-delay-abort-eval' },
  { name: 'th-invalid-agg-rate' },
  { name: 'th-invalid-agg-counter' },
  { name: 'th-invalid-agg-gauge' },
  { name: 'th-invalid-agg-builtin-trend' },
  { name: 'th-invalid-syntax' },
  { name: 'th-unknown-metric' },
  { name: 'th-invalid-submetric' },
  { name: 'th-long-form-unknown-field' },
  { name: 'th-checks-rate-fail' },
  { name: 'th-http-req-failed' },
  { name: 'th-custom-tagged-submetric' },
  { name: 'th-no-thresholds-flag', args: ['--no-thresholds'] },
  { name: 'th-multiple-metrics-crossed' },
  // executors
  { name: 'ex-shared-iterations' },
  { name: 'ex-per-vu-iterations' },
  { name: 'ex-constant-vus', timed: TIMED },
  { name: 'ex-ramping-vus', timed: TIMED },
  { name: 'ex-constant-arrival-rate', timed: TIMED, optionalMetrics: ['dropped_iterations'] },
  { name: 'ex-ramping-arrival-rate', timed: TIMED, optionalMetrics: ['dropped_iterations'] },
  { name: 'ex-start-time' },
  { name: 'ex-exec-env-tags' },
  { name: 'ex-graceful-stop-interrupts', timed: SETTLED },
  { name: 'ex-graceful-stop-waits', timed: SETTLED },
  { name: 'ex-dropped-iterations', timed: TIMED },
  { name: 'ex-max-duration', timed: TIMED },
  { name: 'ex-duration-below-1s' },
  { name: 'ex-invalid-executor' },
  { name: 'ex-iterations-below-vus' },
  { name: 'ex-exec-missing' },
  { name: 'ex-per-vu-tags' },
  { name: 'ex-graceful-ramp-down', timed: TIMED },
  // lifecycle
  { name: 'lc-setup-teardown-data' },
  { name: 'lc-setup-throws' },
  { name: 'lc-teardown-throws' },
  { name: 'lc-setup-abort' },
  { name: 'lc-iteration-exception' },
  { name: 'lc-handle-summary-outputs' },
  { name: 'lc-handle-summary-throws' },
  { name: 'lc-setup-data-in-summary' },
  { name: 'lc-check-in-setup' },
  // groups and checks
  { name: 'gc-groups-nested' },
  { name: 'gc-checks-tagged' },
  { name: 'gc-check-return-value' },
  { name: 'gc-group-return' },
  // custom metrics
  { name: 'm-custom-all-types' },
  { name: 'm-metric-in-setup' },
  { name: 'm-invalid-name' },
  { name: 'm-outside-init' },
  { name: 'm-summary-time-unit' },
  // k6/http
  { name: 'http-get-response' },
  { name: 'http-methods' },
  { name: 'http-bodies' },
  { name: 'http-params' },
  { name: 'http-url-template' },
  { name: 'http-batch-array' },
  { name: 'http-batch-object' },
  { name: 'http-response-type' },
  { name: 'http-response-callback' },
  { name: 'http-redirects' },
  { name: 'http-timeout' },
  { name: 'http-connection-refused' },
  { name: 'http-connection-reset' },
  { name: 'http-status-error-codes' },
  { name: 'http-invalid-url' },
  { name: 'http-json-selectors' },
  { name: 'http-async-request' },
  { name: 'http-response-status-text' },
  { name: 'http-batch-errors' },
  { name: 'http-connection-keep-alive', script: 'http-connection-reuse.js', args: ['-e', 'MODE=keep'] },
  { name: 'http-no-connection-reuse', script: 'http-connection-reuse.js', args: ['-e', 'MODE=none'] },
  { name: 'http-no-vu-connection-reuse', script: 'http-connection-reuse.js', args: ['-e', 'MODE=vu'] },
  // k6/execution, __ENV/__VU/__ITER, open(), abort, init context, imports, console, k6 core, encoding
  { name: 'exec-fields' },
  { name: 'exec-vu-tags-metadata' },
  { name: 'exec-init-context' },
  { name: 'env-vu-iter', args: ['-e', 'GREETING=hello world'] },
  { name: 'open-file' },
  { name: 'open-missing' },
  { name: 'open-in-iteration' },
  { name: 'abort-in-iteration', timed: TIMED },
  { name: 'abort-in-teardown' },
  { name: 'init-throw' },
  { name: 'init-syntax-error' },
  { name: 'init-no-default' },
  { name: 'init-bad-option-type' },
  { name: 'init-bad-duration' },
  { name: 'import-unknown-module' },
  { name: 'import-missing-relative' },
  { name: 'import-k6-unknown' },
  { name: 'import-relative-module' },
  { name: 'console-levels' },
  { name: 'fail-function' },
  { name: 'encoding-b64' },
  // text summary and --out json
  { name: 'text-summary' },
  { name: 'text-summary-pass' },
  { name: 'out-json-basic', outJson: true },
];

const CLI_CASES: ConformanceCase[] = [
  { name: 'cli-env', args: ['-e', 'A=1', '-e', 'B=x=y', '-e', 'C=first', '-e', 'C=second'] },
  { name: 'cli-vus-duration', script: 'cli-plain.js', args: ['--vus', '2', '--duration', '1s', '-e', 'SLEEP=0.1'], timed: TIMED },
  { name: 'cli-iterations', script: 'cli-plain.js', args: ['--vus', '2', '--iterations', '5'] },
  { name: 'cli-stage', script: 'cli-plain.js', args: ['--stage', '500ms:2', '--stage', '300ms:0', '-e', 'SLEEP=0.1'], timed: RAMP },
  { name: 'cli-summary-trend-stats', script: 'cli-plain.js', args: ['--iterations', '2', '--summary-trend-stats', 'avg,p(99),count,min,p(99.99)'] },
  { name: 'cli-summary-export', script: 'cli-plain.js', args: ['--iterations', '2'], summaryExport: true },
  { name: 'cli-out-json', script: 'cli-plain.js', args: ['--iterations', '2'], outJson: true },
  { name: 'cli-no-summary', script: 'cli-plain.js', args: ['--iterations', '1', '--no-summary'] },
  { name: 'cli-no-thresholds', script: 'th-builtin-fail.js', args: ['--no-thresholds'] },
  { name: 'cli-scenario-override', args: ['--iterations', '3'] },
  { name: 'cli-k6-env-options', script: 'cli-plain.js', env: { K6_ITERATIONS: '3', K6_VUS: '1' } },
  { name: 'cli-k6-env-bad-value', script: 'cli-plain.js', env: { K6_VUS: 'lots' } },
  { name: 'cli-no-color-flag', script: 'cli-plain.js', args: ['--iterations', '1', '--no-color'] },
  { name: 'cli-no-color-env', script: 'cli-plain.js', args: ['--iterations', '1'], env: { NO_COLOR: '1' } },
  { name: 'cli-unknown-flag', script: 'cli-plain.js', args: ['--no-such-flag'] },
  { name: 'cli-bad-flag-value', script: 'cli-plain.js', args: ['--vus', 'abc'] },
  { name: 'cli-bad-duration-flag', script: 'cli-plain.js', args: ['--duration', 'soon'] },
  { name: 'cli-bad-trend-stats', script: 'cli-plain.js', args: ['--iterations', '1', '--summary-trend-stats', 'avg,p(abc)'] },
  { name: 'cli-missing-script', script: 'does-not-exist.js' },
];

// The recorded reference of test/fixtures/k6-v1.3.0 (two scenarios, sub-metric thresholds), passing and failing.
// Its 50 iterations/s of blocking requests on at most 8 VUs fall behind on a loaded machine (iterations are
// dropped): the counts get a wide tolerance; shapes and verdicts are what this case is for.
const LOADED: Tolerance = { relative: 0.6, absolute: 2 };
const REFERENCE = { script: '../../fixtures/k6-v1.3.0/reference.js', summaryFile: '{tmp}/handle-summary.json', timed: LOADED, optionalMetrics: ['dropped_iterations'] };
const REFERENCE_CASES: ConformanceCase[] = [
  { name: 'reference-pass', ...REFERENCE, args: ['-e', 'P95=500', '-e', 'OUT_DIR={tmp}'] },
  { name: 'reference-fail', ...REFERENCE, args: ['-e', 'P95=0.001', '-e', 'OUT_DIR={tmp}'] },
];

export const CASES: readonly ConformanceCase[] = [...SCRIPT_CASES, ...CLI_CASES, ...REFERENCE_CASES];
