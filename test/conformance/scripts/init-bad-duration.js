// A duration option that does not parse.
export const options = { duration: 'forever', vus: 1 };
export default function () {}
