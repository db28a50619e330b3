// Every manifest deploy applies — the rendered kustomization for each mesh mode, the cross-wired one, the
// istio-system quota, and each Knative Service — validates against real schemas (kubernetes-models for
// Kubernetes, @kubernetes-models/istio for Istio, @kubernetes-models/knative: the Knative Serving CRD's
// openAPI schema) and carries the hardening and security settings the comparison depends on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { cloudRunManifest, type CloudRunRole } from '../../src/platforms/cloudrun.ts';
import { crossCloudRunPingManifest } from '../../src/platforms/cross.ts';
import type { DeployContext } from '../../src/platforms/deploy/context.ts';
import type { K8sObject } from '../../src/platforms/deploy/kustomize.ts';
import { validate } from './schemas.ts';
import { parseOptions } from '../../src/platforms/deploy/options.ts';
import { emptyState, type DeployState } from '../../src/platforms/deploy/state.ts';
import { generatedKustomization, gkePlan, manifestsDir, renderGkeManifests, type MeshMode } from '../../src/platforms/gke.ts';

// Any directory: the generated kustomization refers to the repository relative to it, as kustomize requires.
const WORK_ROOT = join(tmpdir(), 's2s-manifests-test', 'work');

function ctxFor(flags: string[], state: DeployState = emptyState('demo', 'us-central1')): DeployContext {
  const options = parseOptions(['--project', 'demo', '--region', 'us-central1', ...flags]);
  return { project: 'demo', region: 'us-central1', options, image: 'us-central1-docker.pkg.dev/demo/s2s/app:t1', state, workRoot: WORK_ROOT };
}

const noWiring = { extraTargets: {}, internalLb: false };
const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const spec = (o: K8sObject) => o['spec'] as any;

describe('the schema check itself', () => {
  it('rejects a broken manifest (so a passing validation means something)', () => {
    const bad = { apiVersion: 'security.istio.io/v1beta1', kind: 'PeerAuthentication', metadata: { name: 'x' }, spec: { mtls: { mode: 'STRICTEST' } } };
    expect(() => validate(bad as K8sObject)).toThrow(/allowed values/);
    const badKnative = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'x' }, spec: { template: { spec: { containerConcurrency: 'many', containers: [{ image: 'x' }] } } } };
    expect(() => validate(badKnative as unknown as K8sObject)).toThrow(/integer/);
  });
});

describe.each<MeshMode>(['sidecar', 'ambient', 'none'])('GKE manifests, mesh %s', (mesh) => {
  const objects = renderGkeManifests(ctxFor(['--mesh', mesh]), mesh, noWiring);

  it('each object validates against its schema', () => {
    expect(objects.length).toBeGreaterThanOrEqual(10);
    for (const o of objects) expect(() => validate(o), `${o.kind}/${o.metadata.name}`).not.toThrow();
  });

  it('has ping with the ping-sa account behind a LoadBalancer, and both pongs', () => {
    expect(byKind(objects, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['ping', 'pong-sec', 'pong-unsec']);
    const ping = byKind(objects, 'Deployment').find((d) => d.metadata.name === 'ping')!;
    expect(spec(ping).template.spec.serviceAccountName).toBe('ping-sa');
    expect(byKind(objects, 'ServiceAccount').map((s) => s.metadata.name)).toContain('ping-sa');
    const svc = byKind(objects, 'Service').find((s) => s.metadata.name === 'ping')!;
    expect(spec(svc).type).toBe('LoadBalancer');
    expect(objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 's2s')).toBe(true);
  });

  it('is hardened: non-root, read-only root fs, requests = limits = Cloud Run box, readiness on /healthz, real image', () => {
    for (const d of byKind(objects, 'Deployment')) {
      const pod = spec(d).template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      for (const c of pod.containers) {
        expect(c.image).toBe('us-central1-docker.pkg.dev/demo/s2s/app:t1');
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
        expect(c.resources.requests).toEqual(c.resources.limits);
        expect(c.resources.limits).toEqual({ cpu: '1', memory: '1Gi' });
        expect(c.readinessProbe.httpGet.path).toBe('/healthz');
      }
    }
  });

  it('labels the namespace for its data-plane mode and carries the mesh policies', () => {
    const labels = byKind(objects, 'Namespace')[0]!.metadata['labels'] as Record<string, string>;
    const pas = byKind(objects, 'PeerAuthentication');
    const aps = byKind(objects, 'AuthorizationPolicy');
    if (mesh === 'none') {
      expect(labels['istio-injection']).toBeUndefined();
      expect(labels['istio.io/dataplane-mode']).toBeUndefined();
      expect(pas).toHaveLength(0);
      expect(aps).toHaveLength(0);
      return;
    }
    if (mesh === 'sidecar') expect(labels['istio-injection']).toBe('enabled');
    else expect(labels['istio.io/dataplane-mode']).toBe('ambient');
    const strict = pas.find((p) => spec(p).selector === undefined)!;
    expect(spec(strict).mtls.mode).toBe('STRICT');
    const sec = aps.find((a) => spec(a).selector.matchLabels.app === 'pong-sec')!;
    expect(spec(sec).action).toBe('ALLOW');
    expect(spec(sec).rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/s2s/sa/ping-sa'] } }] }]);
    const unsec = aps.find((a) => spec(a).selector.matchLabels.app === 'pong-unsec')!;
    expect(spec(unsec).rules).toEqual([{}]);
  });
});

describe('GKE manifests with flags and cross wiring', () => {
  it('--cpu/--memory change requests and limits of every container', () => {
    const objects = renderGkeManifests(ctxFor(['--mesh', 'sidecar', '--cpu', '2', '--memory', '2Gi']), 'sidecar', noWiring);
    for (const d of byKind(objects, 'Deployment')) {
      const c = spec(d).template.spec.containers[0];
      expect(c.resources).toEqual({ requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } });
      expect(c.readinessProbe.httpGet.path).toBe('/healthz');
      validate(d);
    }
  });

  it('cross adds Cloud Run pong-unsec to ping-config and an internal load balancer, all valid', () => {
    const objects = renderGkeManifests(ctxFor(['--mesh', 'ambient']), 'ambient', {
      extraTargets: { 'cloudrun-pong-unsec': 'https://latency-pong-unsec-x.a.run.app' },
      internalLb: true,
    });
    for (const o of objects) validate(o);
    const cm = byKind(objects, 'ConfigMap')[0]!;
    expect((cm['data'] as Record<string, string>)['PING_TARGETS']).toBe(
      'pong-sec=http://pong-sec.s2s.svc.cluster.local,pong-unsec=http://pong-unsec.s2s.svc.cluster.local,cloudrun-pong-unsec=https://latency-pong-unsec-x.a.run.app',
    );
    const internal = byKind(objects, 'Service').find((s) => s.metadata.name === 'ping-internal')!;
    expect((internal.metadata['annotations'] as Record<string, string>)['networking.gke.io/load-balancer-type']).toBe('Internal');
  });

  it.each([
    ['the ambient istio-system quota', ['--mesh', 'ambient'], 'gke.istio-system-quota', ['Namespace', 'ResourceQuota']],
    ['the smoke pod and its service account', ['--mesh', 'sidecar'], 'gke.smoke.pod', ['ServiceAccount', 'Pod']],
    ['the runners\' namespace and service account', ['--mesh', 'none', '--distributed'], 'gke.runner-namespace', ['Namespace', 'ServiceAccount']],
  ])('%s validates', (_what, flags, id, kinds) => {
    const step = gkePlan(ctxFor(flags)).steps.find((s) => s.id === id)!;
    const docs = parseAllDocuments(step.files![0]!.text).map((d) => d.toJS() as K8sObject);
    expect(docs.map((d) => d.kind)).toEqual(kinds);
    for (const d of docs) validate(d);
  });

  it('the smoke pod is hardened like the services, under its own identity, in the mesh namespace', () => {
    const step = gkePlan(ctxFor(['--mesh', 'ambient'])).steps.find((s) => s.id === 'gke.smoke.pod')!;
    const pod = parseAllDocuments(step.files![0]!.text).map((d) => d.toJS() as K8sObject).find((d) => d.kind === 'Pod')!;
    const podSpec = spec(pod);
    expect(pod.metadata.namespace).toBe('s2s');
    expect(podSpec.serviceAccountName).toBe('s2s-smoke');
    expect(podSpec.securityContext.runAsNonRoot).toBe(true);
    expect(podSpec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(podSpec.containers[0].image).toBe('us-central1-docker.pkg.dev/demo/s2s/app:t1');
    // Autopilot's general-purpose ratio (1:1 to 1:6.5 CPU:memory) holds for the smoke pod too.
    const { cpu, memory } = podSpec.containers[0].resources.requests as { cpu: string; memory: string };
    const ratio = parseFloat(memory) / 1024 / (parseFloat(cpu) / 1000);
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThanOrEqual(6.5);
  });
});

describe.each<CloudRunRole>(['ping', 'pong-sec', 'pong-unsec'])('Cloud Run Knative Service %s', (role) => {
  it('validates against the Knative Serving schema and has the comparable-latency settings', () => {
    const svc = parse(cloudRunManifest(role, ctxFor([]))) as K8sObject;
    validate(svc);
    const template = spec(svc).template;
    expect(template.metadata.annotations['autoscaling.knative.dev/minScale']).toBe('1');
    expect(template.metadata.annotations['run.googleapis.com/cpu-throttling']).toBe('false');
    expect(template.spec.containers[0].resources.limits).toEqual({ cpu: '1', memory: '1Gi' });
    expect(template.spec.containers[0].image).toBe('us-central1-docker.pkg.dev/demo/s2s/app:t1');
    expect((svc.metadata['labels'] as Record<string, string>)['cloud.googleapis.com/location']).toBe('us-central1');
    const env = Object.fromEntries((template.spec.containers[0].env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
    if (role === 'ping') {
      expect(template.spec.serviceAccountName).toBe('ping-sa@demo.iam.gserviceaccount.com');
      expect(env['PING_SOURCE']).toBe('cloudrun');
      expect(env['PING_TARGETS']).toBe('pong-sec={{cloudrun.url.pong-sec}},pong-unsec={{cloudrun.url.pong-unsec}}');
    } else {
      expect(template.spec.serviceAccountName).toBeUndefined();
      expect(env['PING_TARGETS']).toBeUndefined();
    }
  });
});

describe('Cloud Run ping options', () => {
  it('--ping-ingress internal, --vpc-egress and --cpu/--memory land in the YAML, which stays valid', () => {
    const svc = parse(cloudRunManifest('ping', ctxFor(['--ping-ingress', 'internal', '--vpc-egress', 'default/subnet-a', '--cpu', '2', '--memory', '1Gi']))) as K8sObject;
    validate(svc);
    expect((svc.metadata['annotations'] as Record<string, string>)['run.googleapis.com/ingress']).toBe('internal');
    const annotations = spec(svc).template.metadata.annotations;
    expect(JSON.parse(annotations['run.googleapis.com/network-interfaces'])).toEqual([{ network: 'default', subnetwork: 'subnet-a' }]);
    expect(annotations['run.googleapis.com/vpc-access-egress']).toBe('private-ranges-only');
    expect(spec(svc).template.spec.containers[0].resources.limits).toEqual({ cpu: '2', memory: '1Gi' });
  });

  it('cross gives Cloud Run ping the GKE load balancer (and the internal one with VPC egress)', () => {
    const state: DeployState = {
      ...emptyState('demo', 'us-central1'),
      cloudrun: { urls: { ping: 'https://p', 'pong-sec': 'https://s', 'pong-unsec': 'https://u' }, pingIngress: 'all', pingPrivate: false, vpcEgress: 'default/default', cpu: '1', memory: '1Gi', minInstances: 1, image: 'img:t1', complete: true, smoke: null },
      gke: {
        cluster: 's2s-latency', namespace: 's2s', mesh: 'sidecar', meshInstall: 'fleet', clusterMode: 'autopilot', machineType: null, distributed: null,
        pingUrl: 'http://34.1.2.3', pingInternalUrl: null, cpu: '1', memory: '1Gi', image: 'img:t1', complete: true, smoke: null,
      },
    };
    const svc = parse(crossCloudRunPingManifest(state, parseOptions([]), WORK_ROOT)) as K8sObject;
    validate(svc);
    const env = spec(svc).template.spec.containers[0].env as Array<{ name: string; value: string }>;
    expect(env.find((e) => e.name === 'PING_TARGETS')!.value).toBe(
      'pong-sec={{cloudrun.url.pong-sec}},pong-unsec={{cloudrun.url.pong-unsec}},gke-ping=http://34.1.2.3,gke-ping-internal=http://{{gke.internal-lb.ip}}',
    );
  });
});

// Our renderer exists so tests and --dry-run need no kubectl; where a kubectl is installed, prove it renders
// exactly what `kubectl apply -k` will (same objects, same order) for every mesh mode, cross wiring included.
const realKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!realKubectl).each<MeshMode>(['sidecar', 'ambient', 'none'])('our renderer vs `kubectl kustomize`, mesh %s', (mesh) => {
  it('renders the same objects in the same order', () => {
    const root = mkdtempSync(join(tmpdir(), 's2s-kubectl-kustomize-'));
    try {
      const ctx = { ...ctxFor(['--mesh', mesh, '--cpu', '2', '--memory', '2Gi']), workRoot: join(root, 'work') };
      const wiring = { extraTargets: { 'cloudrun-pong-unsec': 'https://latency-pong-unsec-x.a.run.app' }, internalLb: true };
      mkdirSync(manifestsDir(ctx), { recursive: true });
      writeFileSync(join(manifestsDir(ctx), 'kustomization.yaml'), stringify(generatedKustomization(ctx, mesh, wiring)));
      const real = parseAllDocuments(execFileSync('kubectl', ['kustomize', manifestsDir(ctx)], { encoding: 'utf8', timeout: 60_000 })).map((d) => d.toJS() as K8sObject);
      expect(renderGkeManifests(ctx, mesh, wiring)).toEqual(real);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
