// The `k6/execution` module: who this VU is, which scenario iteration it runs, instance counters from the
// scheduler, test.abort() and test.options.
import { TestAbortError } from './errors.ts';
import type { VuState } from './vu-state.ts';

export function createExecutionModule(vu: VuState): Record<string, unknown> {
  const iteration = () => vu.current;
  const tagsProxy = new Proxy(vu.vuTags, {
    get: (target, key) => {
      if (typeof key !== 'string') return undefined;
      return target[key] ?? (vu.phaseTags ?? iteration()?.tags ?? {})[key] ?? (key === 'scenario' ? iteration()?.scenario.name : undefined);
    },
    set: (target, key, value) => {
      if (typeof key !== 'string') return false;
      if (value !== null && typeof value === 'object') throw new TypeError(`exec.vu.tags["${key}"]: a tag value must be a string, number or boolean`);
      target[key] = String(value);
      vu.invalidateTags();
      return true;
    },
    deleteProperty: (target, key) => {
      if (typeof key === 'string') delete target[key];
      vu.invalidateTags();
      return true;
    },
  });
  const vuObj = {
    get idInInstance() { return vu.idInInstance; },
    get idInTest() { return vu.idInTest; },
    get iterationInInstance() { return Math.max(0, vu.iterationInInstance - 1); },
    get iterationInScenario() { return iteration()?.iterationInScenario ?? 0; },
    get tags() { return tagsProxy; },
    get metrics() { return { tags: tagsProxy, metadata: {} }; },
  };
  const scenario = {
    get name() { return iteration()?.scenario.name ?? ''; },
    get executor() { return iteration()?.scenario.executor ?? ''; },
    get startTime() { return iteration()?.scenario.startTimeMs ?? 0; },
    get progress() { return iteration()?.scenario.progress ?? 0; },
    get iterationInInstance() { return iteration()?.scenario.iterationInInstance ?? 0; },
    get iterationInTest() { return iteration()?.scenario.iterationInTest ?? 0; },
  };
  const instance = {
    get vusActive() { return vu.host.instance().vusActive; },
    get vusInitialized() { return vu.host.instance().vusInitialized; },
    get iterationsCompleted() { return vu.host.instance().iterationsCompleted; },
    get iterationsInterrupted() { return vu.host.instance().iterationsInterrupted; },
    get currentTestRunDuration() { return vu.host.instance().currentTestRunDurationMs; },
  };
  const test = {
    abort(reason?: string): never {
      const why = reason === undefined ? 'test aborted by the script' : String(reason);
      vu.host.abort(why);
      throw new TestAbortError(why);
    },
    get options() { return vu.host.testOptions(); },
  };
  const mod = { vu: vuObj, scenario, instance, test };
  return { ...mod, default: mod };
}
