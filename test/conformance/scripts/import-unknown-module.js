// An import of a module that does not exist anywhere (npm-style specifier).
import lodash from 'lodash';
export default function () {
  lodash.noop();
}
