// A sub-metric selector without a value ("{status}"): refused at start-up.
export const options = { thresholds: { 'http_reqs{status}': ['count>0'] } };
export default function () {}
