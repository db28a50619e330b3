// A script with scenarios; --iterations on the command line replaces them with one shared-iterations scenario.
export { handleSummary } from './lib/summary.js';
export const options = { scenarios: { mine: { executor: 'per-vu-iterations', vus: 1, iterations: 7 } } };
export default function () {}
