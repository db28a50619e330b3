import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './build.ts';
import { engineCommand, engineVersion, EngineNotFoundError, findK6, selectEngine } from './engine.ts';

let dir: string;
let binDir: string;
let k6: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 's2s-engine-'));
  binDir = path.join(dir, 'bin');
  await import('node:fs/promises').then((fs) => fs.mkdir(binDir));
  k6 = path.join(binDir, 'k6');
  // A stand-in k6: answers `k6 version` like the real one.
  await writeFile(k6, '#!/bin/sh\necho "k6 v1.3.0 (go1.24.6, linux/amd64)"\n');
  await chmod(k6, 0o755);
  await writeFile(path.join(dir, 'not-executable'), 'x');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('selectEngine', () => {
  it('auto picks k6 from PATH and says so', () => {
    const e = selectEngine('auto', { PATH: `/nonexistent${path.delimiter}${binDir}` });
    expect(e).toEqual({ name: 'k6', bin: k6, reason: `k6 at ${k6} (auto: found on PATH)` });
  });

  it('auto prefers K6_BIN', () => {
    expect(selectEngine('auto', { PATH: '', K6_BIN: k6 }).reason).toContain('found K6_BIN');
  });

  it('auto falls back to embedded without k6, and says why', () => {
    expect(selectEngine('auto', { PATH: '/nonexistent' })).toEqual({ name: 'embedded', bin: null, reason: 'embedded engine (auto: no k6 on PATH or K6_BIN)' });
    expect(selectEngine('auto', { PATH: binDir, K6_BIN: path.join(dir, 'not-executable') }).reason).toContain('is not an executable file');
  });

  it('--engine k6 without k6 is a clear error; --engine embedded ignores k6', () => {
    expect(() => selectEngine('k6', { PATH: '/nonexistent' })).toThrow(EngineNotFoundError);
    expect(() => selectEngine('k6', { PATH: '/nonexistent' })).toThrow('use --engine embedded');
    expect(selectEngine('embedded', { PATH: binDir }).name).toBe('embedded');
    expect(findK6({ PATH: binDir })).toBe(k6);
  });

  it('reads the version from `k6 version`', () => {
    expect(engineVersion({ name: 'k6', bin: k6, reason: '' })).toBe('v1.3.0');
    expect(engineVersion({ name: 'embedded', bin: null, reason: '' })).toMatch(/^s2s-embedded-\d+\.\d+\.\d+/);
  });
});

describe('engineCommand', () => {
  const input = { script: '/b/probe.js', ndjsonFile: '/r/metrics.ndjson.gz', quiet: true, dashboard: null };

  it('embedded: node bin/s2s.mjs run with k6 flags', () => {
    const c = engineCommand({ name: 'embedded', bin: null, reason: '' }, input);
    expect(c.command).toBe(process.execPath);
    expect(c.args.slice(1)).toEqual(['run', '--out', 'json=/r/metrics.ndjson.gz', '--quiet', '/b/probe.js']);
    expect(c.args[0]).toMatch(/bin\/s2s\.mjs$/);
    // The parent pipe (fd 3) and our PID: the engine exits when we die (src/process/parent-watch.ts).
    expect(c.env).toEqual({ S2S_PARENT_FD: '3', S2S_PARENT_PID: String(process.pid) });
    expect(c.parentPipe).toBe(true);
  });

  it('k6: the same flags, plus the dashboard\'s extra output and env, run under s2s lifeline (never outlives us)', () => {
    const dashboard = { env: { K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_PORT: '-1' }, args: ['--out', 'json=/tmp/x/k6.ndjson'] };
    const c = engineCommand({ name: 'k6', bin: '/usr/bin/k6', reason: '' }, { ...input, quiet: false, dashboard });
    expect(c).toEqual({
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'bin/s2s.mjs'), 'lifeline', '--', '/usr/bin/k6', 'run', '--out', 'json=/r/metrics.ndjson.gz', '--out', 'json=/tmp/x/k6.ndjson', '/b/probe.js'],
      env: { K6_WEB_DASHBOARD: 'true', K6_WEB_DASHBOARD_PORT: '-1', S2S_PARENT_FD: '3', S2S_PARENT_PID: String(process.pid) },
      parentPipe: true,
    });
  });
});
