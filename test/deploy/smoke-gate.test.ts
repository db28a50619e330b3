// The scenario runner, as a real process, refuses to measure a deploy whose smoke check failed (or never ran):
// exit 2 before anything starts, with the failed check and what to run, and no run folder.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/platforms/deploy/context.ts';
import { emptyState, writeState, type DeployState, type SmokeResult } from '../../src/platforms/deploy/state.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 's2s-smoke-gate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenario(platform: string, stateDir: string, resultsDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/s2s.mjs'), 'scenario', platform, '--engine', 'embedded', '--results-dir', resultsDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, S2S_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const failed: SmokeResult = {
  ok: false,
  checkedAt: '2026-01-01T00:00:00.000Z',
  layer: 'id-token',
  checks: [
    { name: 's2s-smoke → pong-sec', ok: false, detail: 'expected 403, got HTTP 200: pong-sec lets an account with no role in' },
    { name: 'ping (ping-sa) → pong-sec', ok: true, detail: 'pong-sec answered 200 to ping (ping-sa)' },
  ],
};

function cloudRunState(smoke: SmokeResult | null): DeployState {
  return {
    ...emptyState('demo', 'us-central1'),
    cloudrun: {
      urls: { ping: 'http://127.0.0.1:9/ping', 'pong-sec': 'http://127.0.0.1:9/s', 'pong-unsec': 'http://127.0.0.1:9/u' },
      pingIngress: 'all', pingPrivate: false, vpcEgress: null, cpu: '1', memory: '1Gi', minInstances: 1, image: 'img:t1', complete: true, smoke,
    },
  };
}

describe('scenario:cloudrun on a deploy whose smoke check did not pass', () => {
  it.each([
    ['failed', failed, /refusing to measure: the cloudrun deploy failed its smoke check \(2026-01-01T00:00:00.000Z\): s2s-smoke → pong-sec: expected 403, got HTTP 200.*run `npm run deploy:cloudrun` again/],
    ['never ran', null, /refusing to measure: the cloudrun deploy has no smoke check on record: run `npm run deploy:cloudrun` again/],
  ] as const)('%s: exit 2 with the reason, nothing measured', async (name, smoke, message) => {
    const stateDir = join(dir, name.replace(' ', '-'));
    writeState(join(stateDir, 'state.json'), cloudRunState(smoke));
    const results = join(dir, `results-${name.replace(' ', '-')}`);
    const r = await scenario('cloudrun', stateDir, results);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(message);
    expect(r.output).not.toMatch(/\n\s+at /);
    expect(existsSync(results) ? readdirSync(results).filter((n) => !n.startsWith('.')) : []).toEqual([]);
  }, 120_000);
});
