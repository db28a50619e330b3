// The conformance corpus on every run: each case through `s2s run` (no k6 needed), normalised and compared
// with the golden real k6 v1.3.0 recorded (README.md). With K6_BIN set, the corpus is also recorded again
// into a temp folder and must reproduce the committed goldens (the recording is deterministic).
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, type ConformanceCase } from './cases.ts';
import { DELIBERATE_DIFFERENCES } from './differences.ts';
import { readGolden, type Golden } from './goldens-io.ts';
import { compareNormalised, normalise, type Difference, type Normalised } from './normalise.ts';
import { RECORDED_WITH, recordGoldens } from './record.ts';
import { GOLDENS_DIR, k6VersionLine, mapLimit, runCase, s2sEngine, SCRIPTS_DIR } from './run-case.ts';
import { startConformanceServer, type ConformanceServer } from './server.ts';

const JOBS = Number(process.env.S2S_CONFORMANCE_JOBS ?? '3');
const K6_BIN = process.env.K6_BIN && k6VersionLine(process.env.K6_BIN) ? process.env.K6_BIN : null;
if (!K6_BIN) console.info('conformance: K6_BIN is not set to a runnable k6; skipping the re-recording check (the s2s comparison still runs)');

const format = (d: Difference) => `  ${d.where}: k6 ${JSON.stringify(d.golden)}, s2s ${JSON.stringify(d.actual)}`;
const excused = (c: ConformanceCase, d: Difference) =>
  DELIBERATE_DIFFERENCES.some((e) => e.case === c.name && (d.where === e.where || d.where.startsWith(`${e.where}.`)));

describe('conformance corpus: layout', () => {
  it('has at least 60 cases, each with a golden recorded by k6 v1.3.0, and uses every script', async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    for (const c of CASES) {
      const golden = await readGolden(path.join(GOLDENS_DIR, c.name));
      expect(golden.k6Version, c.name).toMatch(new RegExp(`^${RECORDED_WITH} `));
    }
    const used = new Set(CASES.map((c) => c.script ?? `${c.name}.js`));
    const scripts = (await readdir(SCRIPTS_DIR)).filter((f) => f.endsWith('.js'));
    expect(scripts.filter((s) => !used.has(s))).toEqual([]);
    expect((await readdir(GOLDENS_DIR)).sort()).toEqual(CASES.map((c) => c.name).sort());
  });

  it('each normalised.json is what normalise() makes of the raw files beside it', async () => {
    for (const c of CASES) {
      const golden = await readGolden(path.join(GOLDENS_DIR, c.name));
      expect(golden.normalised, `${c.name}: run npm run conformance:record -- --renormalise`).toEqual(normalise(golden.raw));
    }
  });

  it('lists deliberate differences only for known cases, with a reason, never for an exit code or a verdict', () => {
    for (const d of DELIBERATE_DIFFERENCES) {
      expect(CASES.some((c) => c.name === d.case), d.case).toBe(true);
      expect(d.reason.length, `${d.case} ${d.where}`).toBeGreaterThan(20);
      expect(d.where, `${d.case}: an exit code is never a deliberate difference`).not.toBe('exitCode');
      expect(d.where, `${d.case}: a threshold verdict is never a deliberate difference`).not.toMatch(/thresholds|summary$|^summary\.metrics$/);
    }
  });
});

describe('conformance corpus: s2s run against the k6 goldens', () => {
  let server: ConformanceServer;
  const results = new Map<string, Normalised>();
  const goldens = new Map<string, Golden>();

  beforeAll(async () => {
    server = await startConformanceServer();
    const engine = s2sEngine();
    const runOne = async (c: ConformanceCase) => {
      const tmp = await mkdtemp(path.join(tmpdir(), 's2s-conformance-'));
      try {
        results.set(c.name, normalise(await runCase(engine, c, server, tmp)));
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    };
    await mapLimit(CASES, JOBS, async (c) => {
      goldens.set(c.name, await readGolden(path.join(GOLDENS_DIR, c.name)));
      await runOne(c);
    });
    // A timed case whose only differences are its counts ran on a loaded machine: once more, alone. Exit codes,
    // verdicts and shapes are never given a second chance.
    const countsOnly = CASES.filter((c) => {
      if (!c.timed) return false;
      const diffs = compareNormalised((goldens.get(c.name) as Golden).normalised, results.get(c.name) as Normalised, c);
      return diffs.length > 0 && diffs.every((d) => d.where.startsWith('counts.'));
    });
    for (const c of countsOnly) {
      console.info(`conformance: ${c.name}: counts outside the tolerance (loaded machine?); running it once more`);
      await runOne(c);
    }
  }, 400_000);

  afterAll(async () => {
    await server?.close();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const golden = goldens.get(c.name);
    const actual = results.get(c.name);
    expect(golden && actual, 'the case ran').toBeTruthy();
    const diffs = compareNormalised((golden as Golden).normalised, actual as Normalised, c);
    const unexpected = diffs.filter((d) => !excused(c, d));
    expect(unexpected.map(format).join('\n'), `s2s run differs from k6 v1.3.0 in ${c.name} (goldens/${c.name}/)`).toBe('');
    const stale = DELIBERATE_DIFFERENCES.filter((e) => e.case === c.name && !diffs.some((d) => d.where === e.where || d.where.startsWith(`${e.where}.`)));
    expect(stale.map((e) => e.where), `${c.name}: deliberate differences that no longer occur (remove them from differences.ts)`).toEqual([]);
  });
});

describe.skipIf(!K6_BIN)('conformance corpus: re-recording with real k6 reproduces the goldens', () => {
  let into = '';
  beforeAll(async () => {
    into = await mkdtemp(path.join(tmpdir(), 's2s-conformance-rerecord-'));
    await recordGoldens(K6_BIN as string, CASES, into, JOBS, () => {});
  }, 300_000);
  afterAll(async () => {
    if (into) await rm(into, { recursive: true, force: true });
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(existsSync(path.join(into, c.name)), 'recorded').toBe(true);
    const committed = await readGolden(path.join(GOLDENS_DIR, c.name));
    const again = await readGolden(path.join(into, c.name));
    expect(compareNormalised(committed.normalised, again.normalised, c).map(format).join('\n')).toBe('');
  });
});
