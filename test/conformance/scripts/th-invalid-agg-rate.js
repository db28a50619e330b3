// An aggregation a Rate does not have: k6 refuses at start-up with exit 104, naming the supported methods.
export const options = { thresholds: { checks: ['avg<1'] } };
export default function () {}
