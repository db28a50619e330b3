// The compare gate on synthetic run folders: an injected slowdown fails it, identical configs do not.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main, parseTolerance } from '../../src/report/compare-cli.ts';
import { firstPhases, lognormal, writeFixtureRun, writeSynthRun } from './synth.ts';

let tmp: string;
let results: string;
const run = (stamp: string, medianMs: number, seed: number, opts: { delay?: number; withNdjson?: boolean } = {}) =>
  writeSynthRun(results, {
    platform: 'local',
    stamp,
    settings: { pongDelayMs: opts.delay ?? 0 },
    withNdjson: opts.withNdjson,
    pairs: [
      { source: 'local', target: 'pong-sec', auth: 'id-token', warmMs: lognormal(1500, medianMs, 0.3, seed), first: firstPhases(10, seed) },
      { source: 'local', target: 'pong-unsec', auth: 'none', warmMs: lognormal(1500, medianMs * 0.7, 0.3, seed + 50), first: firstPhases(10, seed + 7) },
    ],
  });

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 's2s-compare-'));
  results = path.join(tmp, 'results');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('npm run compare', () => {
  it('flags an injected 20% slowdown as a significant regression beyond 10% (exit 1)', async () => {
    const base = await run('20261129T150000Z', 1, 1);
    const slow = await run('20261129T150100Z', 1.2, 2, { delay: 1 });
    const outFile = path.join(tmp, 'cmp.md');
    const r = await capture([base, slow, '--fail-on-regression', '10%', '--out', outFile]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/❌ \*\*3 significant regression\(s\) beyond 10\.00%/);
    expect(r.out).toMatch(/`s2s_latency_ms\{source:local,target:pong-sec\}` \|[^\n]*\| regression \| FAIL \|/);
    expect(r.out).toMatch(/different pongDelayMs/);
    expect(await readFile(outFile, 'utf8')).toBe(r.out);
    // the same slowdown with a 30% tolerance is a regression, but within tolerance: exit 0
    const tolerant = await capture([base, slow, '--fail-on-regression', '30%']);
    expect(tolerant.code).toBe(0);
    expect(tolerant.out).toMatch(/\| regression \| ok \|/);
    // and the other way round it is an improvement
    const better = await capture([slow, base, '--stat', 'mean']);
    expect(better.code).toBe(0);
    expect(better.out).toMatch(/\| improvement \| ok \|/);
  });

  it('two runs of the same config are within noise (exit 0)', async () => {
    const a = await run('20261129T150200Z', 1, 11);
    const b = await run('20261129T150300Z', 1, 12);
    for (const stat of ['p50', 'mean', 'p99']) {
      const r = await capture([a, b, '--fail-on-regression', '10%', '--stat', stat]);
      expect(r.code, r.out).toBe(0);
      expect(r.out.match(/\| within noise \| ok \|/g)).toHaveLength(3);
    }
  });

  it('pools several runs per side (comma list or glob)', async () => {
    const r = await capture([`${results}/20261129T1500*_local_probe,${results}/20261129T150200Z_local_probe`, `${results}/20261129T1503*`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Baseline: `20261129T150000Z_local_probe`, `20261129T150200Z_local_probe`');
  });

  it('works on real k6 output (fixtures) for any Trend metric', async () => {
    const a = await writeFixtureRun(path.join(tmp, 'k6'), 'pass', '20261129T150527Z');
    const b = await writeFixtureRun(path.join(tmp, 'k6'), 'fail', '20261129T150600Z');
    const r = await capture([a, b, '--metric', 'http_req_duration']);
    expect([0, 1]).toContain(r.code);
    expect(r.out).toContain('`http_req_duration{kind:load}`');
    expect(r.out).toContain('`http_req_duration{expected_response:true}`');
  });

  it('without metrics.ndjson.gz shows the summary values and says there is no CI', async () => {
    const a = await run('20261129T150400Z', 1, 21, { withNdjson: false });
    const b = await run('20261129T150500Z', 2, 22, { withNdjson: false });
    const r = await capture([a, b]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/no CI: metrics\.ndjson\.gz missing/);
    expect(r.out).toMatch(/can never fail the gate/);
  });

  it.each([
    [['only-one'], /expected exactly two operands/],
    [['/nonexistent/a', '/nonexistent/b'], /run folder \/nonexistent\/a does not exist/],
    [['X', 'Y', '--fail-on-regression', 'ten'], /--fail-on-regression "ten" is not a percentage/],
    [['X', 'Y', '--stat', 'p42'], /--stat "p42" is not one of/],
  ])('bad input %j exits 2 with a clear message', async (argv, message) => {
    const r = await capture(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('no common metrics exits 2', async () => {
    const a = await run('20261129T150600Z', 1, 31);
    const r = await capture([a, a, '--metric', 'nope_ms']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no common metrics to compare: "nope_ms"/);
  });

  it('parses tolerances', () => {
    expect(parseTolerance('10%')).toBeCloseTo(0.1);
    expect(parseTolerance('2.5')).toBeCloseTo(0.025);
    expect(parseTolerance('-1%')).toBeNull();
  });
});
