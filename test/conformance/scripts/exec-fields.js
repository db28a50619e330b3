// k6/execution: vu, scenario, instance and test fields inside an iteration.
import exec from 'k6/execution';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { scenarios: { fields: { executor: 'per-vu-iterations', vus: 2, iterations: 2, tags: { t: 'x' } } } };
export default function () {
  check(exec, {
    'vu.idInTest': (e) => e.vu.idInTest === __VU,
    'vu.idInInstance': (e) => e.vu.idInInstance >= 1 && e.vu.idInInstance <= 2,
    'vu.iterationInInstance': (e) => e.vu.iterationInInstance === __ITER,
    'vu.iterationInScenario': (e) => e.vu.iterationInScenario === __ITER,
    'scenario.name': (e) => e.scenario.name === 'fields',
    'scenario.executor': (e) => e.scenario.executor === 'per-vu-iterations',
    'scenario.iterationInTest': (e) => e.scenario.iterationInTest >= 0 && e.scenario.iterationInTest < 4,
    'scenario.startTime': (e) => typeof e.scenario.startTime === 'number',
    'scenario.progress': (e) => e.scenario.progress >= 0 && e.scenario.progress <= 1,
    'instance.vusInitialized': (e) => e.instance.vusInitialized === 2,
    'instance.vusActive': (e) => e.instance.vusActive >= 1,
    'test.options': (e) => e.test.options.scenarios.fields.vus === 2,
    'vu.tags': (e) => e.vu.tags.scenario === 'fields',
  });
}
