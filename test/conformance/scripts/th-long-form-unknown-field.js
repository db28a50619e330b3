// A long-form threshold object with a field k6 does not know.
export const options = { thresholds: { iterations: [{ threshold: 'count>0', abortOnFial: true }] } };
export default function () {}
