// The deploy state file: round trip, location, refusal to mix projects, and clear errors for a damaged file.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyState, readState, recordCreated, stateFor, statePath, writeState } from './state.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 's2s-statefile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy state', () => {
  it('lives in .s2s/ by default and in $S2S_STATE_DIR when set', () => {
    expect(statePath({}, '/repo')).toBe('/repo/.s2s/state.json');
    expect(statePath({ S2S_STATE_DIR: 'elsewhere' }, '/repo')).toBe('/repo/elsewhere/state.json');
  });

  it('round-trips, writes atomically (no temp file left) and records a resource once', () => {
    const path = join(dir, 'sub', 'state.json');
    expect(readState(path)).toBeNull();
    const s = emptyState('demo', 'us-central1');
    const r = { platform: 'gke' as const, kind: 'cluster', name: 'c', deleteArgv: ['gcloud', 'delete'] };
    recordCreated(s, r);
    recordCreated(s, r);
    writeState(path, s);
    expect(readState(path)!.created).toEqual([r]);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['state.json']);
  });

  it('refuses a state of another project or region, saying what to do', () => {
    const path = join(dir, 'state.json');
    writeState(path, emptyState('demo', 'us-central1'));
    expect(() => stateFor(path, 'demo', 'europe-west1')).toThrow(/belongs to --project demo --region us-central1.*teardown:all.*S2S_STATE_DIR/);
    expect(stateFor(path, 'demo', 'us-central1').project).toBe('demo');
  });

  it.each([
    ['not JSON', '{oops', /is not valid JSON; fix or delete it/],
    ['wrong shape', '{"version":1,"project":"demo"}', /does not match its schema \(region: /],
  ])('a damaged file (%s) is an error naming the file', (_name, text, message) => {
    const path = join(dir, 'state.json');
    writeFileSync(path, text);
    expect(() => readState(path)).toThrow(message);
    expect(() => readState(path)).toThrow(path);
  });
});
