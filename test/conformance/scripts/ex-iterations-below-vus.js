// shared-iterations with fewer iterations than VUs is invalid.
export const options = { scenarios: { bad: { executor: 'shared-iterations', vus: 5, iterations: 2 } } };
export default function () {}
