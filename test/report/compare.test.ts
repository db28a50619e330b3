// The compare gate on synthetic run folders: an injected slowdown fails it, identical configs do not.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  it('a slowdown beyond the minimum effect fails the gate (exit 99); below it, it is named but passes', async () => {
    const base = await run('20261129T150000Z', 1, 1);
    const slow = await run('20261129T150100Z', 1.2, 2, { delay: 1 });
    const outFile = path.join(tmp, 'cmp.md');
    const r = await capture([base, slow, '--min-effect', '10%', '--min-effect-ms', '0.1', '--out', outFile]);
    expect(r.code, r.out).toBe(99);
    expect(r.out).toMatch(/❌ \*\*3 regression\(s\) beyond the minimum effect \(\+10\.00% and \+100\.0 µs\)/);
    expect(r.out).toMatch(/`s2s_latency_ms\{source:local,target:pong-sec\}` \| regression \| FAIL \|/);
    expect(r.out).toMatch(/different pongDelayMs/);
    expect(r.out).toMatch(/CI comes from that run's calls/);
    expect(await readFile(outFile, 'utf8')).toBe(r.out);
    // The default minimum effect (+25% and +1 ms, printed) is larger than +0.2 ms: significant, but not a regression.
    const byDefault = await capture([base, slow]);
    expect(byDefault.code, byDefault.out).toBe(0);
    expect(byDefault.out).toMatch(/No regression beyond the minimum effect \(\+25\.00% and \+1\.000 ms \(default; --min-effect, --min-effect-ms\)\); 3 significant slowdown\(s\) smaller than it/);
    expect(byDefault.out).toMatch(/\| slower, below the minimum effect \| ok \|/);
    // --fail-on-regression is the older name of --min-effect
    expect((await capture([base, slow, '--fail-on-regression', '10%', '--min-effect-ms', '0.1'])).code).toBe(99);
    // and the other way round it is an improvement
    const better = await capture([slow, base, '--stat', 'mean', '--min-effect', '10%', '--min-effect-ms', '0.1']);
    expect(better.code).toBe(0);
    expect(better.out).toMatch(/\| improvement \| ok \|/);
  });

  it('two runs of the same config are within noise (exit 0)', async () => {
    const a = await run('20261129T150200Z', 1, 11);
    const b = await run('20261129T150300Z', 1, 12);
    for (const stat of ['p50', 'mean', 'p99']) {
      const r = await capture([a, b, '--stat', stat]);
      expect(r.code, r.out).toBe(0);
      expect(r.out.match(/\| (within noise|slower, below the minimum effect) \| ok \|/g)).toHaveLength(3);
    }
  });

  it('pools runs by run: with 2+ runs per side the CI comes from the spread between runs', async () => {
    const same = [await run('20261129T151000Z', 1, 41), await run('20261129T151100Z', 1.05, 42), await run('20261129T151200Z', 0.97, 43)];
    const other = [await run('20261129T152000Z', 1.02, 44), await run('20261129T152100Z', 0.99, 45), await run('20261129T152200Z', 1.01, 46)];
    const r = await capture([same.join(','), `${results}/20261129T152*`]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('Baseline: `20261129T151000Z_local_probe`, `20261129T151100Z_local_probe`, `20261129T151200Z_local_probe`');
    expect(r.out).toMatch(/\| runs \| 3 \/ 3 \|/);
    expect(r.out).toMatch(/Runs: 3 baseline, 3 candidate; a run is one observation\./);
    expect(r.out).toMatch(/the CI comes from the spread between runs/);
    // Three runs 2 ms slower on each side: caught with the default minimum effect.
    const slow = [await run('20261129T153000Z', 3.0, 47, { delay: 2 }), await run('20261129T153100Z', 3.1, 48, { delay: 2 }), await run('20261129T153200Z', 2.95, 49, { delay: 2 })];
    const caught = await capture([same.join(','), slow.join(',')]);
    expect(caught.code, caught.out).toBe(99);
    expect(caught.out).toMatch(/`s2s_latency_ms\{source:local,target:pong-sec\}` \| regression \| FAIL \|[^\n]*\| runs \| 3 \/ 3 \|/);
  });

  it('warns when the runs measure different scenarios', async () => {
    const probe = await run('20261129T154000Z', 1, 51);
    const load = await writeSynthRun(results, { platform: 'local', scenario: 'load', stamp: '20261129T154100Z', pairs: [{ source: 'local', target: 'pong-sec', auth: 'id-token', warmMs: lognormal(500, 1, 0.3, 52), first: firstPhases(5, 52) }] });
    const r = await capture([probe, load]);
    expect(r.out).toMatch(/⚠️ \*\*The compared runs measure different scenarios: baseline 20261129T154000Z_local_probe = probe, candidate 20261129T154100Z_local_load = load/);
  });

  it('a glob over a failed run’s folder (no summary.json) skips it with the reason and compares the rest (exit 0)', async () => {
    const dir = path.join(tmp, 'globbed');
    const base = await writeSynthRun(dir, { platform: 'local', stamp: '20261129T155000Z', pairs: [{ source: 'local', target: 'pong-sec', auth: 'id-token', warmMs: lognormal(300, 1, 0.3, 61), first: firstPhases(3, 61) }] });
    const failed = path.join(dir, '20261129T155100Z_local_probe');
    await mkdir(failed, { recursive: true });
    await writeFile(path.join(failed, 'run.json'), JSON.stringify({ status: 'error', exitCode: 104 }));
    const r = await capture([base, `${dir}/*_local_probe`]);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.err).toMatch(/candidate: skipped \S*20261129T155100Z_local_probe: no summary\.json: the run ended before the engine wrote one \(status error, exit 104\)/);
    expect(r.out).toMatch(/candidate: skipped \S*20261129T155100Z_local_probe/);
  });

  it('works on real k6 output (fixtures) for any Trend metric', async () => {
    const a = await writeFixtureRun(path.join(tmp, 'k6'), 'pass', '20261129T150527Z');
    const b = await writeFixtureRun(path.join(tmp, 'k6'), 'fail', '20261129T150600Z');
    const r = await capture([a, b, '--metric', 'http_req_duration']);
    expect([0, 1]).toContain(r.code);
    expect(r.out).toContain('`http_req_duration{kind:load}`');
    expect(r.out).toContain('`http_req_duration{expected_response:true}`');
  });

  it('without metrics.ndjson.gz a single run per side is judged on the minimum effect alone, and says so', async () => {
    const a = await run('20261129T150400Z', 1, 21, { withNdjson: false });
    const b = await run('20261129T150500Z', 2.5, 22, { withNdjson: false });
    const r = await capture([a, b]);
    expect(r.code, r.out).toBe(99);
    expect(r.out).toMatch(/no CI \(metrics\.ndjson\.gz missing on a side\): judged on the minimum effect alone/);
    expect(r.out).toMatch(/Rows without any CI .* are judged on the minimum effect alone/);
  });

  it.each([
    [['only-one'], /expected exactly two operands/],
    [['/nonexistent/a', '/nonexistent/b'], /run folder \/nonexistent\/a does not exist/],
    [['X', 'Y', '--fail-on-regression', 'ten'], /^s2s compare: --fail-on-regression "ten": must be a percentage, e\.g\. 25%\n$/],
    [['X', 'Y', '--min-effect-ms', 'soon'], /^s2s compare: --min-effect-ms "soon": must be a number of ms, e\.g\. 1 or 0\.5ms\n$/],
    [['X', 'Y', '--stat', 'p42'], /^s2s compare: --stat "p42": must be one of p50, mean, p90, p99\n$/],
    [['X', 'Y', '--bogus'], /^s2s compare: --bogus: unknown flag; run with --help for the flags\n$/],
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
