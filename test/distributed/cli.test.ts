// `npm run distributed -- … --dry-run` as a real process: the printed manifests parse, the TestRun
// validates against the k6-operator CRD, the ConfigMap holds the built scenario, and nothing is applied.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { testRunValidator } from '../../src/distributed/crd-validate.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const validate = testRunValidator(new URL('../fixtures/k6-operator/k6.io_testruns.crd.yaml', import.meta.url).pathname);

async function distributed(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/distributed.ts', ...args], { cwd: root, env: { ...process.env, PATH: '/usr/bin:/bin' } }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );
}

describe('npm run distributed', () => {
  it('--platform cloudrun --scenario load --parallelism 4 --dry-run prints valid manifests', async () => {
    const r = await distributed(['--platform', 'cloudrun', '--scenario', 'load', '--parallelism', '4', '--rate', '200', '--duration', '2m', '--dry-run']);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    const cm = docs.find((d) => d?.kind === 'ConfigMap');
    const tr = docs.find((d) => d?.kind === 'TestRun');
    expect(validate(tr)).toBe(true);
    expect(tr.spec.parallelism).toBe(4);
    expect(cm.data['load.js']).toContain('k6/execution');
    const b64 = /-e S2S_CONFIG_B64=(\S+)/.exec(tr.spec.arguments)![1]!;
    const config = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
    expect(config).toMatchObject({ platform: 'cloudrun', scenario: 'load', load: { ratePerSec: 200, duration: '2m' } });
    expect(r.stdout).toContain('npm run collect --');
  });

  it.each([
    [['--platform', 'local', '--parallelism', '2'], /cannot be distributed/],
    [['--platform', 'cloudrun'], /--parallelism is required/],
    [['--platform', 'cloudrun', '--parallelism', '0', '--dry-run'], /--parallelism must be a whole number from 1 to 1000/],
    [['--platform', 'cloudrun', '--parallelism', '2', '--results', 's3:x'], /--results "s3:x": must be gcs:<bucket> or pvc:<claim>/],
  ])('%j is refused with a clear message and exit 2', async (args, message) => {
    const r = await distributed(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
