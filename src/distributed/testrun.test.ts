import { ConfigMap } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { testRunValidator } from './crd-validate.ts';
import { buildManifests, CONFIGMAP_LIMIT_BYTES, DistributedConfigError, type DistributedOptions } from './testrun.ts';

// The real TestRun CRD of the k6-operator (Apache-2.0), recorded in test/fixtures.
const crdPath = new URL('../../test/fixtures/k6-operator/k6.io_testruns.crd.yaml', import.meta.url);
const validateTestRun = testRunValidator(crdPath.pathname);

const base: DistributedOptions = {
  name: 's2s-load-20261129t150000z',
  namespace: 's2s-load',
  scenario: 'load',
  script: 'import http from "k6/http";\nexport default function () {}\n',
  config: { platform: 'cloudrun', scenario: 'load', rate: 500 },
  parallelism: 4,
  results: { kind: 'gcs', bucket: 'demo-s2s-results' },
  tokenSecret: { name: 's2s-tokens', keys: ['S2S_PING_TOKEN'] },
};

describe('k6-operator manifests', () => {
  it('the TestRun validates against the CRD schema and keeps runners out of the mesh', () => {
    const [cm, tr] = buildManifests(base) as [any, any];
    const ok = validateTestRun(tr);
    expect(validateTestRun.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(tr.spec.parallelism).toBe(4);
    expect(tr.spec.script.configMap).toEqual({ name: cm.metadata.name, file: 'load.js' });
    expect(tr.spec.runner.metadata.annotations['sidecar.istio.io/inject']).toBe('false');
    expect(tr.spec.runner.metadata.labels['istio.io/dataplane-mode']).toBe('none');
    expect(tr.spec.arguments).toContain('--out json=/results/out.ndjson.gz');
    const mount = tr.spec.runner.volumeMounts.find((m: { name: string }) => m.name === 'results');
    expect(mount.subPathExpr).toBe('s2s-load-20261129t150000z/$(POD_NAME)');
  });

  it('carries the run config in arguments, and the token only as a Secret reference', () => {
    const [, tr] = buildManifests(base) as [any, any];
    const b64 = /-e S2S_CONFIG_B64=(\S+)/.exec(tr.spec.arguments)?.[1];
    expect(JSON.parse(Buffer.from(b64!, 'base64').toString('utf8'))).toEqual(base.config);
    const tokenEnv = tr.spec.runner.env.find((e: { name: string }) => e.name === 'S2S_PING_TOKEN');
    expect(tokenEnv).toEqual({ name: 'S2S_PING_TOKEN', valueFrom: { secretKeyRef: { name: 's2s-tokens', key: 'S2S_PING_TOKEN' } } });
    expect(JSON.stringify(tr)).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./); // no JWT shape anywhere
  });

  it('the ConfigMap is a valid Kubernetes object', () => {
    const [cm] = buildManifests({ ...base, results: { kind: 'pvc', claimName: 'results-rwx' } }) as [any];
    expect(() => new ConfigMap(cm).validate()).not.toThrow();
  });

  it('the validator is not a no-op: a TestRun without parallelism is rejected', () => {
    const [, tr] = buildManifests(base) as [any, any];
    delete tr.spec.parallelism;
    expect(validateTestRun(tr)).toBe(false);
  });

  it.each([
    ['parallelism 0', { parallelism: 0 }, /--parallelism must be a whole number from 1 to 1000 \(got 0\)/],
    ['parallelism 2.5', { parallelism: 2.5 }, /--parallelism/],
    ['a bad namespace', { namespace: 'Bad_NS' }, /--namespace "Bad_NS"/],
    ['a 1 MiB script', { script: 'x'.repeat(CONFIGMAP_LIMIT_BYTES) }, /over the 1 MiB ConfigMap limit/],
  ])('rejects %s with a clear error', (_label, patch, message) => {
    expect(() => buildManifests({ ...base, ...patch })).toThrow(DistributedConfigError);
    expect(() => buildManifests({ ...base, ...patch })).toThrow(message);
  });
});
