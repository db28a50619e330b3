// The runner in-process, with every child process it might start counted: a threshold naming a tag value the
// run cannot produce is refused (exit 104) before the platform or the engine starts.
import { PassThrough } from 'node:stream';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const spawned: string[] = [];
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:child_process')>();
  const count =
    <F extends (...args: never[]) => unknown>(name: string, f: F) =>
    (...args: Parameters<F>) => {
      spawned.push(`${name} ${String(args[0])}`);
      return f(...args);
    };
  const mocked = { ...real, spawn: count('spawn', real.spawn), execFile: count('execFile', real.execFile), fork: count('fork', real.fork) };
  return { ...mocked, default: mocked };
});

const { runScenarioCli } = await import('./cli.ts');

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  err.on('data', (c: Buffer) => (text += c.toString()));
  return { io: { stdout: out, stderr: err, inheritEngineOutput: false }, text: () => text };
}

describe('runner: thresholds against the run’s tags', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 's2s-cli-tags-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [['--threshold', 's2s_latency_ms{target:nope}=p(95)<20'], /target "nope" does not occur in this run \(local platform, probe scenario\); valid target values: pong-sec, pong-unsec, external/],
    [['--scenario', 'direct', '--threshold', 's2s_first_ms{source:local}=p(95)<20'], /source "local" does not occur in this run \(local platform, direct scenario\); valid source values: runner/],
  ])('%j exits 104 naming the valid values, and starts no process', async (args, message) => {
    const results = path.join(dir, 'results');
    const r = io();
    const code = await runScenarioCli(['local', ...args, '--engine', 'embedded', '--results-dir', results], r.io);
    expect(code).toBe(104);
    expect(r.text()).toMatch(message);
    expect(spawned).toEqual([]);
    await expect(readdir(results)).rejects.toThrow(/ENOENT/);
  });
});
