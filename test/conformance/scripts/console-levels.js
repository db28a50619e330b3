// console.log/info/warn/error/debug reach stderr with their levels (debug only with --verbose).
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  console.log('a log line');
  console.info('an info line');
  console.warn('a warn line');
  console.error('an error line');
  console.debug('a debug line');
}
