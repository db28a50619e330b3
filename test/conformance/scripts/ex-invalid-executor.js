// An executor name k6 does not have.
export const options = { scenarios: { bad: { executor: 'constant-iterations', vus: 1 } } };
export default function () {}
