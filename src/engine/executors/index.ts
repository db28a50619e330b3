// The executor for a scenario config: one class per k6 executor, all over the same VU source.
import type { ScenarioConfig } from '../options.ts';
import { ConstantArrivalRate, RampingArrivalRate } from './arrival-rate.ts';
import type { Executor } from './executor.ts';
import { PerVuIterations, SharedIterations } from './iterations.ts';
import { ConstantVus, RampingVus } from './looping-vus.ts';
import type { ExecutorDeps } from './types.ts';

export function createExecutor(config: ScenarioConfig, deps: ExecutorDeps): Executor {
  switch (config.executor) {
    case 'shared-iterations':
      return new SharedIterations(config, deps);
    case 'per-vu-iterations':
      return new PerVuIterations(config, deps);
    case 'constant-vus':
      return new ConstantVus(config, deps);
    case 'ramping-vus':
      return new RampingVus(config, deps);
    case 'constant-arrival-rate':
      return new ConstantArrivalRate(config, deps);
    case 'ramping-arrival-rate':
      return new RampingArrivalRate(config, deps);
  }
}

export { Executor, formatClock } from './executor.ts';
export type * from './types.ts';
export { realClock } from './types.ts';
