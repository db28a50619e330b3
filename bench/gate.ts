// The gate section of `npm run bench`: does the default compare gate pass two runs of the same build and catch a
// real 2 ms regression? N triples of real local probe runs (baseline, 2 ms slower, same build — interleaved, so
// drift on the shared machine hits both comparisons alike), each run its own platform start, compared with the
// default minimum effect, one run per side (the usual CI case). Too slow for the unit suite: minutes.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareSides, DEFAULT_MIN_EFFECT, loadSide, type Comparison } from '../src/report/compare.ts';
import { loadFolders } from '../src/report/inputs.ts';
import { runToExit } from '../src/process/supervised.ts';
import type { Row } from './run.ts';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
/** Small on purpose: the gate must work at CI-sized counts, and 3 × N runs must stay within minutes. */
const RUN_ARGS = ['--count', '200', '--batches', '2', '--engine', 'embedded', '-q'];
const SECTION = 'Gate (compare, default minimum effect)';

/** One real `scenario local` run into its own results dir; returns the run folder. */
async function oneRun(resultsDir: string, extra: string[]): Promise<string> {
  // Supervised: a bench stopped half-way stops this run too (the runner then stops its engine and platform).
  const r = await runToExit({ name: 'scenario local', args: [path.join(ROOT, 'bin/s2s.mjs'), 'scenario', 'local', ...RUN_ARGS, '--results-dir', resultsDir, ...extra], cwd: ROOT, timeoutMs: 600_000 });
  const { code } = r;
  const err = r.stderr;
  // 99 (a default latency gate crossed on a loaded machine) still leaves a complete run folder.
  if (code !== 0 && code !== 99) throw new Error(`scenario local ${extra.join(' ')} exited ${code}: ${err.slice(-500)}`);
  const [id] = (await readdir(resultsDir)).filter((n) => !n.startsWith('.'));
  if (!id) throw new Error(`scenario local wrote no run folder in ${resultsDir}`);
  return path.join(resultsDir, id);
}

async function gate(baseline: string, candidate: string): Promise<Comparison> {
  const side = async (dir: string) => loadSide((await loadFolders([dir])).folders, 's2s_latency_ms', 'p50');
  return compareSides(await side(baseline), await side(candidate), { metric: 's2s_latency_ms', stat: 'p50', minEffect: { ...DEFAULT_MIN_EFFECT }, defaultMinEffect: true, seed: 24301 });
}

/** |Δ p50| of the pong-sec row, ms: how far same-build noise and the 2 ms regression actually moved it. */
function pongSecDelta(c: Comparison): number {
  const row = c.rows.find((r) => r.key === 's2s_latency_ms{source:local,target:pong-sec}');
  return row?.diffMs ?? Number.NaN;
}

/** `parent`: where its run folders go (the bench's own temp folder, removed even when the bench is stopped). */
export async function gateSection(pairs: number, log: (s: string) => void, parent = os.tmpdir()): Promise<Row[]> {
  const dir = await mkdtemp(path.join(parent, 's2s-bench-gate-'));
  try {
    let passed = 0;
    let caught = 0;
    const sameDelta: number[] = [];
    const slowDelta: number[] = [];
    for (let i = 1; i <= pairs; i++) {
      log(`gate ${i}/${pairs}: baseline, 2 ms slower, same build`);
      const base = await oneRun(path.join(dir, `base-${i}`), []);
      const slow = await oneRun(path.join(dir, `slow-${i}`), ['--pong-delay-ms', '2']);
      const same = await oneRun(path.join(dir, `same-${i}`), []);
      const s = await gate(base, same);
      const r = await gate(base, slow);
      if (!s.failed) passed++;
      if (r.failed) caught++;
      sameDelta.push(Math.abs(pongSecDelta(s)));
      slowDelta.push(pongSecDelta(r));
    }
    const cmd = `npm run scenario:local -- ${RUN_ARGS.join(' ')} (3 × ${pairs} runs, interleaved) then npm run compare -- <baseline> <candidate>`;
    return [
      { section: SECTION, what: 'default minimum effect, absolute', unit: 'ms', values: [DEFAULT_MIN_EFFECT.absoluteMs], target: { text: '< 2 ms (the regression to catch)', ok: DEFAULT_MIN_EFFECT.absoluteMs < 2 }, command: 'src/report/compare.ts DEFAULT_MIN_EFFECT' },
      { section: SECTION, what: 'default minimum effect, relative', unit: '%', values: [DEFAULT_MIN_EFFECT.relative * 100], target: null, command: 'same' },
      { section: SECTION, what: `same-build pairs that pass (${passed}/${pairs})`, unit: '%', values: [(passed / pairs) * 100], target: { text: `${pairs}/${pairs}`, ok: passed === pairs }, command: cmd },
      { section: SECTION, what: `--pong-delay-ms 2 regressions caught (${caught}/${pairs})`, unit: '%', values: [(caught / pairs) * 100], target: { text: `${pairs}/${pairs}`, ok: caught === pairs }, command: cmd },
      { section: SECTION, what: 'same build: size of Δ p50 pong-sec', unit: 'ms', values: sameDelta, target: null, command: 'one run per side', note: 'noise the minimum effect must stay above' },
      { section: SECTION, what: '2 ms slower: Δ p50 pong-sec', unit: 'ms', values: slowDelta, target: null, command: 'one run per side' },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
