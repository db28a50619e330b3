// An option of the wrong type (vus as a string of words).
export const options = { vus: 'many' };
export default function () {}
