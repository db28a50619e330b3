// Nested groups: the group tree, group_duration per group, checks inside groups.
import { check, group } from 'k6';
export { handleSummary } from './lib/summary.js';
export const options = { iterations: 2 };
export default function () {
  group('level 1', () => {
    check(1, { 'in level 1': (v) => v === 1 });
    group('level 2', () => {
      check(2, { 'in level 2': (v) => v === 2 });
      group('level 3', () => {
        check(3, { 'in level 3': (v) => v === 3 });
      });
    });
  });
  group('sibling', () => {
    check(0, { 'sibling fails': (v) => v === 1 });
  });
}
