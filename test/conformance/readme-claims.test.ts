// The README states the corpus size and its pass rate: both follow the corpus (a case added or a deliberate
// difference listed must show there).
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { CASES } from './cases.ts';
import { DELIBERATE_DIFFERENCES } from './differences.ts';

const root = path.resolve(import.meta.dirname, '../..');

it("the README's corpus size and pass rate match cases.ts and differences.ts", () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const scripts = new Set(CASES.map((c) => c.script ?? `${c.name}.js`).filter((s) => !s.startsWith('../') && fs.existsSync(path.join(import.meta.dirname, 'scripts', s))));
  expect(readme).toContain(`conformance corpus of ${CASES.length} cases (${scripts.size} k6 scripts)`);
  const differing = new Set(DELIBERATE_DIFFERENCES.map((d) => d.case)).size;
  expect(readme).toContain(`**Pass rate: ${CASES.length - differing}/${CASES.length}**`);
});
