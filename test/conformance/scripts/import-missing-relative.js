// A relative import of a file that does not exist.
import { helper } from './lib/missing-helper.js';
export default function () {
  helper();
}
