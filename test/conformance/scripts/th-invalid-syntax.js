// A threshold expression that does not parse: exit 104.
export const options = { thresholds: { http_req_duration: ['p95 less than 500'] } };
export default function () {}
