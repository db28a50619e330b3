// k6 refuses a scenario duration below 1 s at start-up (exit 104).
export const options = { scenarios: { short: { executor: 'constant-vus', vus: 1, duration: '300ms' } } };
export default function () {}
