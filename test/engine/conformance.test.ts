// Optional conformance: when a real k6 is on PATH (or K6_BIN names one), run the reference script
// through k6 and through `s2s run` and compare summary keys, value keys and threshold verdicts.
// Skipped, with a message, when k6 is absent (as on this project's CI machine).
import { spawnSync, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_JS, runCli, startPong, writeScript } from './harness.ts';

function findK6(): string | null {
  const candidate = process.env.K6_BIN || 'k6';
  const probe = spawnSync(candidate, ['version'], { encoding: 'utf8' });
  return probe.status === 0 ? candidate : null;
}

const K6 = findK6();
if (!K6) console.info('conformance: real k6 not found (put it on PATH or set K6_BIN); skipping the k6-vs-s2s comparison');

interface Summary {
  metrics: Record<string, { type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
}

function shape(s: Summary) {
  return {
    keys: Object.keys(s.metrics).filter((k) => k !== 'dropped_iterations').sort(),
    values: Object.fromEntries(Object.entries(s.metrics).map(([k, m]) => [k, Object.keys(m.values).sort()])),
    verdicts: Object.fromEntries(
      Object.entries(s.metrics)
        .filter(([, m]) => m.thresholds)
        .map(([k, m]) => [k, Object.fromEntries(Object.entries(m.thresholds ?? {}).map(([e, v]) => [e, v.ok]))]),
    ),
  };
}

function runK6(args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(K6 as string, ['run', '-q', ...args], { stdio: 'ignore' });
    child.on('close', (code) => resolve(code));
  });
}

describe.skipIf(!K6)('conformance with real k6 (K6_BIN or k6 on PATH)', () => {
  let pong: Awaited<ReturnType<typeof startPong>>;
  beforeAll(async () => {
    pong = await startPong();
  });
  afterAll(async () => {
    await pong?.close();
  });

  it.each(['500', '0.001'])('reference.js with P95=%s: same keys, value keys, verdicts and exit code', async (p95) => {
    const k6Dir = (await writeScript('unused.js', '')).dir;
    const ourDir = (await writeScript('unused.js', '')).dir;
    const common = ['-e', `BASE=${pong.base}`, '-e', `P95=${p95}`];
    const k6Code = await runK6([REFERENCE_JS, ...common, '-e', `OUT_DIR=${k6Dir}`]);
    const ours = await runCli([REFERENCE_JS, ...common, '-e', `OUT_DIR=${ourDir}`, '-q']);
    expect(ours.code).toBe(k6Code);
    const read = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'handle-summary.json'), 'utf8')) as Summary;
    expect(shape(await read(ourDir))).toEqual(shape(await read(k6Dir)));
  });
});
