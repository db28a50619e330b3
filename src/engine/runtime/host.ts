// What a VU needs from the thread it lives in: where samples, metric definitions, checks and logs go. The main
// thread (init context) and the VU threads implement it.

export type MetricKind = 'counter' | 'gauge' | 'rate' | 'trend';
export type MetricContains = 'default' | 'time' | 'data';
export type TagSet = Record<string, string>;

/** k6/execution `instance` values, provided by the scheduler (zeros when it provides none). */
export interface InstanceInfo {
  vusActive: number;
  vusInitialized: number;
  iterationsCompleted: number;
  iterationsInterrupted: number;
  currentTestRunDurationMs: number;
}

export interface VuHost {
  /** Throws (k6 rules, e.g. MetricError) for an invalid name or a conflicting redefinition. */
  defineMetric(name: string, type: MetricKind, contains: MetricContains): void;
  emit(metric: string, value: number, tags: TagSet, timeMs: number): void;
  /** groupPath '' is the root; checkName is the check's own name. */
  recordCheck(groupPath: string, checkName: string, pass: boolean): void;
  recordGroup(groupPath: string): void;
  log(level: string, msg: string): void;
  /** test.abort(reason): the engine stops the test (exit 108). */
  abort(reason: string): void;
  instance(): InstanceInfo;
  /** Resolved test options for exec.test.options (the script's raw options when the engine gives none). */
  testOptions(): Record<string, unknown>;
}

export const EMPTY_INSTANCE: InstanceInfo = Object.freeze({
  vusActive: 0, vusInitialized: 0, iterationsCompleted: 0, iterationsInterrupted: 0, currentTestRunDurationMs: 0,
});
