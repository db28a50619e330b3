// An exception thrown in the init context: exit 107 before any iteration.
throw new Error('init exploded');
// eslint-disable-next-line no-unreachable
export default function () {}
