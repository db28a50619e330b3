// The default compare gate on committed real runs (test/fixtures/gate): same-build pairs pass, 2 ms pairs fail,
// one run per side (the usual CI case: the minimum effect carries the gate) and pooled by run.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_MIN_EFFECT } from '../../src/report/compare.ts';
import { main } from '../../src/report/compare-cli.ts';

const GATE = path.resolve(import.meta.dirname, '../fixtures/gate');
const runs = (group: string) => readdirSync(path.join(GATE, group)).sort().map((n) => path.join(GATE, group, n));

async function compare(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await main(argv), out };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const row = (out: string, target: string) => new RegExp(`\`s2s_latency_ms\\{source:local,target:${target}\\}\` \\| ([^|]+) \\| (ok|FAIL) \\|`).exec(out)?.slice(1, 3);

describe('the default gate on real recorded local runs', () => {
  it('has a default minimum effect below the 2 ms a regression adds on the local probe', () => {
    expect(DEFAULT_MIN_EFFECT.absoluteMs).toBeLessThan(2);
  });

  const base = runs('base');
  const same = runs('same');
  const slow = runs('delay2ms');
  const pairs = (cands: string[]) => base.flatMap((b) => cands.map((c) => [b, c] as const));

  it.each(pairs(same).map(([b, c]) => [path.basename(b), path.basename(c), b, c]))('same build %s vs %s: passes (exit 0)', async (_a, _b, b, c) => {
    const r = await compare([b, c]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/minimum effect \(\+25\.00% and \+1\.000 ms \(default/);
    expect(r.out).not.toMatch(/\| FAIL \|/);
  });

  it.each(pairs(slow).map(([b, c]) => [path.basename(b), path.basename(c), b, c]))('2 ms slower %s vs %s: fails on pong-sec and pong-unsec (exit 99)', async (_a, _b, b, c) => {
    const r = await compare([b, c]);
    expect(r.code, r.out).toBe(99);
    expect(row(r.out, 'pong-sec')).toEqual(['regression', 'FAIL']);
    expect(row(r.out, 'pong-unsec')).toEqual(['regression', 'FAIL']);
    expect(row(r.out, 'external')?.[1]).toBe('ok'); // not delayed
    expect(r.out).toMatch(/different pongDelayMs/);
  });

  it('pooled by run (3 vs 3): same build passes, 2 ms fails, and the CI comes from the runs', async () => {
    const ok = await compare([base.join(','), same.join(',')]);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/\| runs \| 3 \/ 3 \|/);
    const bad = await compare([base.join(','), slow.join(',')]);
    expect(bad.code, bad.out).toBe(99);
    expect(row(bad.out, 'pong-sec')).toEqual(['regression', 'FAIL']);
    expect(bad.out).toMatch(/the CI comes from the spread between runs/);
  });
});
