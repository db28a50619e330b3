// open() outside the init context is an error in the iteration.
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  open('./lib/data.txt');
}
