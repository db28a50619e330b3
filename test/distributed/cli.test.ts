// `npm run distributed` as a real process: --dry-run prints manifests that parse (the TestRun validates against
// the k6-operator CRD, the ConfigMap holds the built scenario) and applies nothing; --apply, with the stand-in
// kubectl on PATH, applies them in the deploy's cluster with what deploy:gke --distributed set up.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDistributedFlags } from '../../src/distributed/cli.ts';
import { testRunValidator } from '../../src/distributed/crd-validate.ts';
import { startFakeServices, type FakeServices } from '../fakes/services.ts';
import { openSession, type Session } from '../deploy/harness.ts';

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

  it('a bad flag is refused with one line and exit 2; an invalid threshold with exit 104', async () => {
    const bad = await distributed(['--platform', 'cloudrun', '--parallelism', '2', '--results', 's3:x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('distributed: --results "s3:x": must be gcs:<bucket> or pvc:<claim>, e.g. gcs:my-project-s2s-results\n');
    const threshold = await distributed(['--platform', 'cloudrun', '--parallelism', '2', '--threshold', 's2s_calls=p(95)<1']);
    expect(threshold.code).toBe(104);
    expect(threshold.stderr).toMatch(/^distributed: --threshold "s2s_calls=p\(95\)<1": "s2s_calls" is a counter/);
  });
});

describe('parseDistributedFlags', () => {
  it.each([
    [['--platform', 'local', '--parallelism', '2'], /cannot be distributed/],
    [['--platform', 'cloudrun'], /--parallelism is required/],
    [['--platform', 'cloudrun', '--parallelism', '0', '--dry-run'], /^--parallelism "0": must be a whole number from 1 to 1000$/],
    [['--platform', 'cloudrun', '--parallelism', '2', '--apply', '--dry-run'], /--apply and --dry-run exclude each other/],
    [['--platform', 'cloudrun', '--parallelism', '2', '--bogus'], /^--bogus: unknown flag; run with --help for the flags$/],
    [['--platform', 'cloudrun', '--parallelism'], /^--parallelism needs a value; run with --help for the flags$/],
  ])('%j is refused in one line', (args, message) => {
    expect(() => parseDistributedFlags(args)).toThrow(message);
  });

  it('passes scenario flags to the runner parser, with its warnings', () => {
    const parsed = parseDistributedFlags(['--platform', 'gke', '--parallelism', '3', '--rate', '50', '--count', '9']);
    expect(parsed.help).toBe(false);
    if (parsed.help) return;
    expect(parsed).toMatchObject({ parallelism: 3, namespace: undefined, dryRun: true, flags: { platform: 'gke', scenario: 'load', ratePerSec: 50 } });
    expect(parsed.flags.warnings).toEqual(['--count does not apply to --scenario load (only to probe, direct); ignored.']);
  });
});

describe('npm run distributed --apply', () => {
  // A GKE deploy made through the stand-ins (deploy:gke --distributed), then --apply as a real process with them on PATH.
  let services: FakeServices;
  let session: Session;
  beforeAll(async () => {
    services = await startFakeServices();
    session = openSession(services, { mesh: 'none' });
    const r = await session.run('deploy', ['gke', '--project', 'demo', '--region', 'us-central1', '--mesh', 'none', '--distributed', '--image-tag', 't1', '--wait-interval-s', '0']);
    expect(r.code, r.err).toBe(0);
    session.fake.setRules(session.world({ exists: true, mesh: 'none' }));
  }, 120_000);
  afterAll(async () => {
    session.cleanup();
    await services.close();
  });

  it('applies the TestRun in the deploy\'s cluster (its --context, never the current one), as k6-runner, writing to the deploy\'s bucket', async () => {
    session.fake.clearLog();
    const r = await session.distributed(['--platform', 'gke', '--scenario', 'load', '--parallelism', '3', '--rate', '20', '--duration', '30s', '--apply']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const calls = session.fake.calls();
    const ctx = '--context gke_demo_us-central1_s2s-latency';
    expect(calls.map((c) => [c.cli, ...c.argv].join(' '))).toEqual([`kubectl get namespace s2s-k6 ${ctx}`, `kubectl apply -n s2s-k6 -f - ${ctx}`]);
    const docs = parseAllDocuments(calls[1]!.stdin ?? '').map((d) => d.toJS());
    const tr = docs.find((d) => d?.kind === 'TestRun');
    expect(validate(tr)).toBe(true);
    expect(tr.metadata.namespace).toBe('s2s-k6');
    expect(tr.spec.parallelism).toBe(3);
    expect(tr.spec.runner.serviceAccountName).toBe('k6-runner');
    expect(tr.spec.runner.volumes[0].csi.volumeAttributes.bucketName).toBe('demo-s2s-results');
    const name = tr.metadata.name as string;
    expect(existsSync(join(session.stateDir, 'distributed', name, 'distributed.json'))).toBe(true);
    expect(r.out).toContain(`applied TestRun ${name} in namespace s2s-k6 of gke_demo_us-central1_s2s-latency (3 runners)`);
    expect(r.out).toContain(`gcloud storage cp -r gs://demo-s2s-results/${name}`);
  }, 120_000);

  it('a missing namespace is a one-line error naming the command and what makes the namespace, exit 1', async () => {
    session.fake.setRules([{ cli: 'kubectl', argv: ['get', 'namespace', 's2s-k6'], exitCode: 1, stderr: 'Error from server (NotFound): namespaces "s2s-k6" not found\n' }, ...session.world({ exists: true, mesh: 'none' })]);
    session.fake.clearLog();
    const r = await session.distributed(['--platform', 'gke', '--scenario', 'load', '--parallelism', '2', '--apply']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/distributed: `kubectl get namespace s2s-k6 --context gke_demo_us-central1_s2s-latency` exited with code 1: .*not found\nnamespace s2s-k6 is missing: `npm run deploy:gke -- --distributed` makes s2s-k6/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(session.fake.calls().map((c) => c.argv[0])).toEqual(['get']);
    session.fake.setRules(session.world({ exists: true, mesh: 'none' }));
  }, 120_000);

  it('without deploy:gke --distributed the setup is missing: refused before any kubectl, saying what to run', async () => {
    const bare = openSession(services, { mesh: 'none' });
    try {
      expect((await bare.run('deploy', ['gke', '--project', 'demo', '--region', 'us-central1', '--mesh', 'none', '--image-tag', 't1', '--wait-interval-s', '0'])).code).toBe(0);
      bare.fake.clearLog();
      const r = await bare.distributed(['--platform', 'gke', '--scenario', 'load', '--parallelism', '2', '--apply']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/the results bucket, namespace s2s-k6 and the runners' Workload Identity access are not set up: run `npm run deploy:gke -- --distributed`/);
      expect(bare.fake.calls()).toEqual([]);
    } finally {
      bare.cleanup();
    }
  }, 120_000);
});
