// k6/encoding base64 round trips (std, url, raw url).
import encoding from 'k6/encoding';
import { check } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 1 };
export default function () {
  check(null, {
    std: () => encoding.b64encode('hello?>') === 'aGVsbG8/Pg==',
    'std decode': () => encoding.b64decode('aGVsbG8/Pg==', 'std', 's') === 'hello?>',
    url: () => encoding.b64encode('hello?>', 'url') === 'aGVsbG8_Pg==',
    rawurl: () => encoding.b64encode('hello?>', 'rawurl') === 'aGVsbG8_Pg',
  });
}
