import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { gitInfo, hostInfo, redactTokens, RunFolder, RunFolderError, runId, utcStamp, type FinalizeInput } from './run-folder.ts';

const schema = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../schemas/run.schema.json'), 'utf8')) as object;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

const FAKE_JWT = `eyJhbGciOiJSUzI1NiJ9.${'eyJzdWIiOiJ4In0'}.c2lnbmF0dXJlc2lnbmF0dXJl`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 's2s-run-folder-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function meta(over: Partial<FinalizeInput['meta']> = {}): FinalizeInput['meta'] {
  return {
    schemaVersion: 1,
    platform: 'local',
    scenario: 'probe',
    engine: { name: 'embedded', version: 's2s-embedded-0.1.0' },
    git: gitInfo(process.cwd()),
    host: hostInfo(),
    config: { count: 10, settings: { platform: 'local' } },
    targets: [{ name: 'pong-sec', url: 'https://127.0.0.1:1/pong', auth: 'id-token', platform: 'local', source: 'local' }],
    startedAt: '2026-11-29T15:00:00.000Z',
    endedAt: '2026-11-29T15:00:02.000Z',
    durationMs: 2000,
    exitCode: 0,
    status: 'passed',
    interrupted: false,
    thresholds: [{ metric: 's2s_errors', expression: 'rate<0.01', ok: true, observed: 0 }],
    ...over,
  };
}

describe('RunFolder', () => {
  it('ids follow <UTC stamp>_<platform>_<scenario>', () => {
    const d = new Date('2026-11-29T15:04:05.678Z');
    expect(utcStamp(d)).toBe('20261129T150405Z');
    expect(runId(d, 'Cloud Run', 'probe')).toBe('20261129T150405Z_cloud-run_probe');
  });

  it('builds in a dot temp folder, then renames it into place with a run.json valid against the JSON Schema', async () => {
    const results = path.join(dir, 'ok');
    const folder = await RunFolder.create(results, { startedAt: new Date('2026-11-29T15:00:00Z'), platform: 'local', scenario: 'probe' });
    expect(path.basename(folder.tmpDir)).toMatch(/^\.tmp-\d+-[0-9a-f]+$/);
    await writeFile(folder.file('summary.json'), JSON.stringify({ metrics: {} }));
    expect(await readdir(results)).toEqual([path.basename(folder.tmpDir)]);
    const { dir: final, meta: written } = await folder.finalize({ meta: meta(), consoleText: 'summary text\n', junit: (m) => `<testsuites name="${m.id}"/>` });
    expect(path.basename(final)).toBe('20261129T150000Z_local_probe');
    expect((await readdir(results)).sort()).toEqual(['20261129T150000Z_local_probe']);
    expect((await readdir(final)).sort()).toEqual(['console.txt', 'junit.xml', 'run.json', 'summary.json']);
    const runJson: unknown = JSON.parse(await readFile(path.join(final, 'run.json'), 'utf8'));
    expect(validate(runJson), JSON.stringify(validate.errors)).toBe(true);
    expect(written.files).toEqual({ summary: 'summary.json', console: 'console.txt', junit: 'junit.xml' });
    expect(await readFile(path.join(final, 'junit.xml'), 'utf8')).toContain('20261129T150000Z_local_probe');
  });

  it('a second run in the same second gets the next stamp, never the same folder', async () => {
    const results = path.join(dir, 'same-second');
    const opts = { startedAt: new Date('2026-11-29T15:00:00Z'), platform: 'local', scenario: 'probe' };
    const a = await (await RunFolder.create(results, opts)).finalize({ meta: meta() });
    const b = await (await RunFolder.create(results, opts)).finalize({ meta: meta() });
    expect(path.basename(a.dir)).toBe('20261129T150000Z_local_probe');
    expect(path.basename(b.dir)).toBe('20261129T150001Z_local_probe');
  });

  it('a failure while finalizing leaves no run folder (only the temp folder, removed by abandon)', async () => {
    const results = path.join(dir, 'fail');
    const folder = await RunFolder.create(results, { startedAt: new Date(), platform: 'local', scenario: 'probe' });
    await writeFile(folder.file('summary.json'), '{}');
    const bad = meta({ status: 'weird' as never });
    await expect(folder.finalize({ meta: bad, consoleText: 'x' })).rejects.toThrow(RunFolderError);
    expect((await readdir(results)).filter((n) => !n.startsWith('.'))).toEqual([]);
    await folder.abandon();
    expect(await readdir(results)).toEqual([]);
  });

  it('sweeps temp folders of dead processes, keeps those of live ones', async () => {
    const results = path.join(dir, 'sweep');
    await mkdir(path.join(results, '.tmp-999999999-dead'), { recursive: true });
    await mkdir(path.join(results, `.tmp-${process.ppid}-alive`), { recursive: true });
    const folder = await RunFolder.create(results, { startedAt: new Date(), platform: 'local', scenario: 'probe' });
    const names = await readdir(results);
    expect(names).not.toContain('.tmp-999999999-dead');
    expect(names).toContain(`.tmp-${process.ppid}-alive`);
    await folder.abandon();
  });

  it('never writes a token: JWT shapes are redacted from run.json, console.txt and summary.json', async () => {
    const results = path.join(dir, 'tokens');
    const folder = await RunFolder.create(results, { startedAt: new Date(), platform: 'local', scenario: 'probe' });
    await writeFile(folder.file('summary.json'), JSON.stringify({ metrics: {}, leaked: FAKE_JWT }));
    const { dir: final } = await folder.finalize({ meta: meta({ config: { note: `Bearer ${FAKE_JWT}` } }), consoleText: `token ${FAKE_JWT}\n` });
    for (const f of await readdir(final)) {
      const text = await readFile(path.join(final, f), 'utf8');
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    }
    expect(redactTokens(`a ${FAKE_JWT} b`)).toBe('a <redacted-token> b');
  });
});
