// No handleSummary and nothing crossed: the text summary of a passing run.
import { check } from 'k6';
export const options = { iterations: 1, thresholds: { checks: ['rate==1'] } };
export default function () {
  check(1, { one: (v) => v === 1 });
}
