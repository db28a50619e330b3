// An exception in setup(): the run stops, exit 107.
export function setup() {
  throw new Error('setup exploded');
}
export default function () {}
