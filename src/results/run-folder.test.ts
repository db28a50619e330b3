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

  it('twenty runs finishing at once in the same second: every one kept, each under its own next free second', async () => {
    const results = path.join(dir, 'race');
    const opts = { startedAt: new Date('2026-11-29T15:00:00Z'), platform: 'local', scenario: 'probe' };
    const folders = await Promise.all(Array.from({ length: 20 }, () => RunFolder.create(results, opts)));
    // Each run's own data, to prove no run's files end up under another's name or are lost.
    await Promise.all(folders.map((f, i) => writeFile(f.file('summary.json'), JSON.stringify({ run: i }))));
    const written = await Promise.all(folders.map((f) => f.finalize({ meta: meta(), consoleText: 'x\n' })));
    const names = (await readdir(results)).sort();
    expect(names).toEqual(Array.from({ length: 20 }, (_, i) => `20261129T1500${String(i).padStart(2, '0')}Z_local_probe`));
    const runs = new Set<number>();
    for (const w of written) {
      const runJson = JSON.parse(await readFile(path.join(w.dir, 'run.json'), 'utf8')) as { id: string };
      expect(runJson.id).toBe(path.basename(w.dir));
      expect(w.meta.id).toBe(path.basename(w.dir));
      runs.add((JSON.parse(await readFile(path.join(w.dir, 'summary.json'), 'utf8')) as { run: number }).run);
    }
    expect(runs.size).toBe(20);
  });

  it('abandon keeps a finished run (run.json written, rename failed) and the sweep of dead runs keeps it too', async () => {
    const results = path.join(dir, 'keep');
    const folder = await RunFolder.create(results, { startedAt: new Date(), platform: 'local', scenario: 'probe' });
    await writeFile(folder.file('run.json'), '{}');
    expect(await folder.abandon()).toBe(folder.tmpDir);
    expect(await readdir(results)).toEqual([path.basename(folder.tmpDir)]);
    const dead = path.join(results, '.tmp-999999999-finished');
    await mkdir(dead);
    await writeFile(path.join(dead, 'run.json'), '{}');
    await (await RunFolder.create(results, { startedAt: new Date(), platform: 'local', scenario: 'probe' })).abandon();
    expect((await readdir(results)).sort()).toEqual([path.basename(dead), path.basename(folder.tmpDir)].sort());
  });

  it('checkWritable creates the results dir, leaves nothing in it, and names a dir it cannot write with the fix', async () => {
    const ok = path.join(dir, 'writable', 'nested');
    await RunFolder.checkWritable(ok);
    expect(await readdir(ok)).toEqual([]);
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const bad = path.join(file, 'results');
    const err = await RunFolder.checkWritable(bad).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RunFolderError);
    expect((err as Error).message).toContain(`--results-dir ${bad} is not writable (ENOTDIR`);
    expect((err as Error).message).toContain('choose a directory you can write to');
  });

  it.runIf(process.getuid?.() !== 0)('checkWritable refuses a read-only results dir (permission bits; root ignores them)', async () => {
    const ro = path.join(dir, 'read-only');
    await mkdir(ro, { mode: 0o555 });
    await expect(RunFolder.checkWritable(ro)).rejects.toThrow(/is not writable \(EACCES/);
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
