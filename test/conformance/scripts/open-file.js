// open() in the init context: text and binary ("b"), relative to the script.
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
const text = open('./lib/data.txt');
const bin = open('./lib/data.bin', 'b');
export const options = { iterations: 1 };
export default function () {
  check(text, { 'text content': (t) => t === 'hello conformance\n' });
  check(bin, { 'binary ArrayBuffer': (b) => b instanceof ArrayBuffer && b.byteLength === 5 && new Uint8Array(b)[4] === 255 });
}
