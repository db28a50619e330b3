// The benchmark is not a test of speed (no timed assertion here): this only checks that
// `npm run bench -- --quick` runs end to end and writes a well-formed table.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 's2s-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run bench -- --quick', () => {
  it('writes a well-formed table covering every section', async () => {
    const out = path.join(dir, 'quick.md');
    await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], { cwd: root, timeout: 1_500_000, maxBuffer: 16 * 1024 * 1024 });
    const md = readFileSync(out, 'utf8');
    const json = JSON.parse(readFileSync(out.replace(/\.md$/, '.json'), 'utf8'));
    const lines = md.split('\n');
    const header = lines.findIndex((l) => l.startsWith('| section |'));
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toBe('|---|---|---|---|---|---|');
    const rows = lines.slice(header + 2).filter((l) => l.startsWith('|'));
    expect(rows).toHaveLength(json.rows.length);
    for (const row of rows) {
      const cells = row.split(' | ');
      expect(cells, row).toHaveLength(6);
      const median = cells[2]!;
      if (median !== '—') expect(median, row).toMatch(/^-?[\d.]+ ?(µs|ms|×|req\/s|MiB|%)$/);
    }
    const sections = new Set(json.rows.map((r: { section: string }) => r.section));
    for (const s of ['Fidelity', 'Ping overhead', 'Engine throughput', 'Engine latency', 'Memory', 'Time to first result', 'Gate (compare, default minimum effect)']) expect(sections).toContain(s);
    // Every target row carries a verdict; every measured row carries numbers.
    for (const r of json.rows) {
      if (r.skipped) continue;
      expect(r.values.length, r.what).toBeGreaterThan(0);
      for (const v of r.values) expect(Number.isFinite(v), r.what).toBe(true);
    }
    expect(md).toMatch(/✅|❌/);
  }, 1_500_000);
});
