// `rate` on a built-in Trend (http_req_duration): exit 104 at start-up.
export const options = { thresholds: { http_req_duration: ['rate<1'] } };
export default function () {}
