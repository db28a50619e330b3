// A k6/… module k6 does not have.
import nothing from 'k6/nothing';
export default function () {
  nothing();
}
