// Error classes of the script runtime: what the engine maps to exit 107 (ScriptError) and what a script
// sees when it calls a k6 API this engine does not implement.

/** A script that cannot run here: syntax error, exception in the init context, unsupported import or API. → exit 107 */
export class ScriptError extends Error {
  override name = 'ScriptError';
}

const REAL_K6_HINT = 'run this script with real k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) instead';

/** Thrown inside the script when it calls a k6 API the embedded engine does not implement. */
export class UnsupportedApiError extends Error {
  override name = 'UnsupportedApiError';
  constructor(readonly api: string) {
    super(`${api} is not supported by the embedded s2s engine; ${REAL_K6_HINT}`);
  }
}

export function unsupportedImportMessage(specifier: string, importer: string): string {
  return `import "${specifier}" in ${importer} is not supported by the embedded s2s engine ` +
    `(supported: k6, k6/http, k6/metrics, k6/execution, k6/encoding and relative files); ${REAL_K6_HINT}`;
}

/** Raised by exec.test.abort(): unwinds the iteration; the engine stops the test (exit 108). */
export class TestAbortError extends Error {
  override name = 'TestAbortError';
}

/** Unwinds an iteration the engine stopped (hard stop) while it slept. */
export class IterationInterruptedError extends Error {
  override name = 'IterationInterruptedError';
  constructor() {
    super('iteration interrupted: the test is stopping');
  }
}

/** Raised by fail(msg): aborts the current iteration only, like k6. */
export class IterationFailError extends Error {
  override name = 'IterationFailError';
}

/** Redacts JWT-shaped strings (eyJ…) before anything reaches a log line. */
export function redactTokens(s: string): string {
  return s.replace(/eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}/g, 'eyJ…(redacted)');
}
