// A helper module for import-relative-module.js.
export function double(n) {
  return n * 2;
}
