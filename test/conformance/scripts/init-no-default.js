// A script with no default export and no scenarios: nothing to run.
export const options = { iterations: 1 };
export function notDefault() {}
