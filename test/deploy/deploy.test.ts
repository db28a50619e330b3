// Deploy → smoke check → teardown, re-deploy, cross wiring and failures, end to end through the real CLI modules
// with the stand-in gcloud/kubectl/asmcli/istioctl on PATH (which refuse any command or flag outside
// test/fakes/surface.ts) and the deployed services played by local servers: the exact commands a project
// receives, in order, for each mode, and the state they leave. contract.test.ts runs the same lines through the
// real gcloud and kubectl.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main as deployMain } from '../../src/platforms/deploy-cli.ts';
import { REPO_ROOT } from '../../src/platforms/deploy/context.ts';
import { readState } from '../../src/platforms/deploy/state.ts';
import { resolvePlatform } from '../../src/platforms/index.ts';
import { createFakeClis, FAKE_INTERNAL_LB_IP, FAKE_SMOKE_TOKEN, fakePods, fakeProbe, type FakeClis, type FakeRule, type WorldOptions } from '../fakes/index.ts';
import { startFakeServices, type FakeServices } from '../fakes/services.ts';
import { openSession, type Session } from './harness.ts';

const IMG = 'us-central1-docker.pkg.dev/demo/s2s/app:t1';
const WHERE = ['--project', 'demo', '--region', 'us-central1'];
const FAST = ['--image-tag', 't1', '--wait-interval-s', '0', '--wait-timeout-s', '30'];
const CTX = '--context gke_demo_us-central1_s2s-latency';

let fake: FakeClis;
let stateDir: string;
let services: FakeServices;
let session: Session;

beforeAll(async () => {
  services = await startFakeServices();
});
afterAll(async () => {
  await services.close();
});

const world = (opts: Partial<WorldOptions> = {}): FakeRule[] => session.world(opts);
const run = (cli: 'deploy' | 'teardown', argv: string[], ask: ((q: string) => Promise<string>) | null = null) => session.run(cli, argv, ask);

beforeEach(() => {
  session = openSession(services);
  fake = session.fake;
  stateDir = session.stateDir;
  services.knobs.pongSecOpen = false;
  services.knobs.pingRefused = false;
  services.seen.length = 0;
});
afterEach(() => session.cleanup());

/** The calls made, one line each, with the state directory shown as <state> and the local services' origins as <cr> / <lb>. */
function calls(): string[] {
  const cr = new URL(services.urls.ping).host;
  return fake.lines().map((l) => l.split(stateDir).join('<state>').split(cr).join('<cr>').split(services.lbIp).join('<lb>'));
}

const state = () => readState(join(stateDir, 'state.json'));

const SA = (name: string) => `${name}@demo.iam.gserviceaccount.com`;
const PREFLIGHT = ['gcloud --version', 'gcloud auth list --filter=status:ACTIVE --format=value(account)', 'gcloud projects describe demo --format=value(projectId)'];
const PREFLIGHT_K8S = ['gcloud --version', 'kubectl version --client', ...PREFLIGHT.slice(1)];
const R = '--region us-central1 --project demo';
const L = '--location us-central1 --project demo';

function serviceAccount(name: string): string[] {
  return [`gcloud iam service-accounts describe ${SA(name)} --project demo`, `gcloud iam service-accounts create ${name} --display-name=${DISPLAY[name]} --project demo`];
}
const DISPLAY: Record<string, string> = {
  'ping-sa': 's2s-latency ping',
  's2s-smoke': 's2s-latency smoke check (no roles)',
  's2s-build': 's2s-latency Cloud Build',
  's2s-nodes': 's2s-latency GKE nodes',
};

const REPO_AND_IMAGE = [
  `gcloud artifacts repositories describe s2s ${L}`,
  `gcloud artifacts repositories create s2s --repository-format=docker ${L} --description=s2s-latency images`,
  ...serviceAccount('s2s-build'),
  `gcloud projects add-iam-policy-binding demo --member serviceAccount:${SA('s2s-build')} --role roles/logging.logWriter --condition=None --format=none`,
  `gcloud artifacts repositories add-iam-policy-binding s2s ${L} --member=serviceAccount:${SA('s2s-build')} --role=roles/artifactregistry.writer --format=none`,
  'gcloud storage buckets describe gs://demo-s2s-build --project demo --format=value(name)',
  'gcloud storage buckets create gs://demo-s2s-build --location us-central1 --project demo --uniform-bucket-level-access',
  `gcloud storage buckets add-iam-policy-binding gs://demo-s2s-build --member=serviceAccount:${SA('s2s-build')} --role=roles/storage.objectViewer --project demo --format=none`,
  `gcloud artifacts docker images describe ${IMG} --project demo`,
  `gcloud builds submit --config deploy/cloudbuild.yaml --substitutions _IMAGE=${IMG} --service-account=projects/demo/serviceAccounts/${SA('s2s-build')} --gcs-source-staging-dir=gs://demo-s2s-build/source --project demo .`,
];

function cloudRunService(name: string): string[] {
  return [`gcloud run services describe ${name} ${R} --format=value(metadata.name)`, `gcloud run services replace <state>/work/cloudrun.service.${name}/${name}.yaml ${R}`];
}

const CLOUDRUN_FRESH = [
  ...PREFLIGHT,
  'gcloud services enable run.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com iam.googleapis.com iamcredentials.googleapis.com storage.googleapis.com --project demo',
  ...serviceAccount('ping-sa'),
  ...serviceAccount('s2s-smoke'),
  'gcloud config get-value account',
  `gcloud iam service-accounts add-iam-policy-binding ${SA('s2s-smoke')} --member=user:me@example.com --role=roles/iam.serviceAccountTokenCreator --project demo --format=none`,
  ...REPO_AND_IMAGE,
  ...cloudRunService('latency-pong-sec'),
  `gcloud run services add-iam-policy-binding latency-pong-sec --member=serviceAccount:${SA('ping-sa')} --role=roles/run.invoker ${R}`,
  ...cloudRunService('latency-pong-unsec'),
  `gcloud run services add-iam-policy-binding latency-pong-unsec --member=allUsers --role=roles/run.invoker ${R}`,
  `gcloud run services describe latency-pong-sec ${R} --format=value(status.url)`,
  `gcloud run services describe latency-pong-unsec ${R} --format=value(status.url)`,
  ...cloudRunService('latency-ping'),
  `gcloud run services add-iam-policy-binding latency-ping --member=allUsers --role=roles/run.invoker ${R}`,
  `gcloud run services describe latency-ping ${R} --format=value(status.url)`,
  `gcloud auth print-identity-token --impersonate-service-account=${SA('s2s-smoke')} --audiences=http://<cr>/cloudrun/pong-sec --include-email --verbosity=error`,
];

const CLOUDRUN_TEARDOWN = [
  `gcloud run services delete latency-ping ${R} --quiet`,
  `gcloud run services delete latency-pong-unsec ${R} --quiet`,
  `gcloud run services delete latency-pong-sec ${R} --quiet`,
];
const SHARED_TEARDOWN = [
  'gcloud storage rm --recursive gs://demo-s2s-build --project demo --quiet',
  `gcloud projects remove-iam-policy-binding demo --member serviceAccount:${SA('s2s-build')} --role roles/logging.logWriter --condition=None --format=none`,
  `gcloud iam service-accounts delete ${SA('s2s-build')} --project demo --quiet`,
  `gcloud artifacts repositories delete s2s ${L} --quiet`,
];

type Mode = 'sidecar' | 'asmcli' | 'ambient' | 'none';
const meshOf = (mode: Mode) => (mode === 'asmcli' ? 'sidecar' : mode);

function gkeFresh(mode: Mode, opts: { distributed?: boolean } = {}): string[] {
  const apis = mode === 'sidecar' || mode === 'asmcli' ? ' gkehub.googleapis.com mesh.googleapis.com' : '';
  const meshSteps: Record<Mode, string[]> = {
    sidecar: [
      `gcloud container fleet memberships describe s2s-latency ${L}`,
      `gcloud container clusters update s2s-latency ${L} --fleet-project=demo`,
      'gcloud container fleet mesh describe --project demo --format=value(name)',
      'gcloud container fleet mesh enable --project demo',
      'gcloud container fleet mesh update --management automatic --memberships s2s-latency --location us-central1 --project demo',
      'gcloud container fleet mesh describe --project demo --format=json',
    ],
    asmcli: ['asmcli install --project_id demo --cluster_name s2s-latency --cluster_location us-central1 --enable_all --managed --ca mesh_ca'],
    ambient: [
      `kubectl apply -f <state>/work/gke.istio-system-quota/istio-system.yaml ${CTX}`,
      `kubectl get daemonset ztunnel -n istio-system ${CTX}`,
      `istioctl install --set profile=ambient --set values.global.platform=gke --skip-confirmation ${CTX}`,
    ],
    none: [],
  };
  const preflight = [...PREFLIGHT_K8S];
  if (mode === 'asmcli') preflight.splice(2, 0, 'asmcli --version');
  if (mode === 'ambient') preflight.splice(2, 0, 'istioctl version --remote=false');
  const create =
    mode === 'ambient'
      ? `gcloud container clusters create s2s-latency ${L} --machine-type=e2-standard-4 --num-nodes=1 --disk-size=50 --release-channel=regular --workload-pool=demo.svc.id.goog --addons=GcsFuseCsiDriver --service-account=${SA('s2s-nodes')}`
      : `gcloud container clusters create-auto s2s-latency ${L} --service-account=${SA('s2s-nodes')}${mode === 'sidecar' ? ' --fleet-project=demo' : ''}`;
  const distributed = opts.distributed
    ? [
        'gcloud projects describe demo --format=value(projectNumber)',
        'gcloud storage buckets describe gs://demo-s2s-results --project demo --format=value(name)',
        'gcloud storage buckets create gs://demo-s2s-results --location us-central1 --project demo --uniform-bucket-level-access',
        `kubectl get namespace s2s-k6 ${CTX}`,
        `kubectl apply -f <state>/work/gke.runner-namespace/runners.yaml ${CTX}`,
        'gcloud storage buckets add-iam-policy-binding gs://demo-s2s-results --member=principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/demo.svc.id.goog/subject/ns/s2s-k6/sa/k6-runner --role=roles/storage.objectUser --project demo --format=none',
      ]
    : [];
  const smoke =
    mode === 'none'
      ? []
      : [
          `kubectl delete pod s2s-smoke -n s2s --ignore-not-found --wait=true --timeout=30s ${CTX}`,
          `kubectl apply -f <state>/work/gke.smoke.pod/smoke.yaml ${CTX}`,
          `kubectl wait --for=condition=Ready pod/s2s-smoke -n s2s --timeout=30s ${CTX}`,
          `kubectl get pods -n s2s -o json ${CTX}`,
          `kubectl exec s2s-smoke -n s2s -c app ${CTX} -- /nodejs/bin/node -e <probe script>`,
          `kubectl delete pod s2s-smoke -n s2s --ignore-not-found --wait=false ${CTX}`,
        ];
  return [
    ...preflight,
    `gcloud services enable container.googleapis.com compute.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com iam.googleapis.com storage.googleapis.com${apis} --project demo`,
    ...REPO_AND_IMAGE,
    ...serviceAccount('s2s-nodes'),
    `gcloud projects add-iam-policy-binding demo --member serviceAccount:${SA('s2s-nodes')} --role roles/container.defaultNodeServiceAccount --condition=None --format=none`,
    `gcloud artifacts repositories add-iam-policy-binding s2s ${L} --member=serviceAccount:${SA('s2s-nodes')} --role=roles/artifactregistry.reader --format=none`,
    `gcloud container clusters describe s2s-latency ${L} --format=value(name)`,
    create,
    `gcloud container clusters describe s2s-latency ${L} --format=value(autopilot.enabled)`,
    `gcloud container clusters get-credentials s2s-latency ${L}`,
    ...meshSteps[mode],
    `kubectl get namespace s2s ${CTX}`,
    `kubectl apply -k <state>/work/gke.manifests ${CTX}`,
    `kubectl rollout status deployment/ping -n s2s --timeout=30s ${CTX}`,
    `kubectl rollout status deployment/pong-sec -n s2s --timeout=30s ${CTX}`,
    `kubectl rollout status deployment/pong-unsec -n s2s --timeout=30s ${CTX}`,
    `kubectl get service ping -n s2s -o jsonpath={.status.loadBalancer.ingress[0].ip} ${CTX}`,
    ...distributed,
    ...smoke,
  ];
}

/** The probe script is one long argument: shown as <probe script> so the sequences stay readable. */
function gkeCalls(): string[] {
  return calls().map((l) => l.replace(/ -e const t=.*$/, ' -e <probe script>'));
}

const GET_CREDENTIALS = `gcloud container clusters get-credentials s2s-latency ${L}`;
const FORWARDING_RULES = 'gcloud compute forwarding-rules list --regions=us-central1 --filter=description~s2s/ping --format=value(name) --project demo';

function gkeTeardown(mode: Mode, opts: { distributed?: boolean } = {}): string[] {
  return [
    ...(opts.distributed
      ? [GET_CREDENTIALS, `kubectl delete namespace s2s-k6 --ignore-not-found --wait=true --timeout=30s ${CTX}`, 'gcloud storage rm --recursive gs://demo-s2s-results --project demo --quiet']
      : []),
    GET_CREDENTIALS,
    `kubectl delete namespace s2s --ignore-not-found --wait=true --timeout=30s ${CTX}`,
    FORWARDING_RULES,
    ...(mode === 'sidecar' ? [`gcloud container fleet memberships unregister s2s-latency --location us-central1 --gke-cluster=us-central1/s2s-latency --project demo --quiet`] : []),
    `gcloud container clusters delete s2s-latency ${L} --quiet`,
    `gcloud projects remove-iam-policy-binding demo --member serviceAccount:${SA('s2s-nodes')} --role roles/container.defaultNodeServiceAccount --condition=None --format=none`,
    `gcloud iam service-accounts delete ${SA('s2s-nodes')} --project demo --quiet`,
  ];
}

describe('deploy:cloudrun → smoke check → teardown:cloudrun', () => {
  it('runs the exact command sequence on a fresh project, proves pong-sec refuses s2s-smoke, and deletes it all again', async () => {
    const r = await run('deploy', ['cloudrun', ...WHERE, ...FAST]);
    expect(r.err).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(calls()).toEqual(CLOUDRUN_FRESH);
    const s = state()!;
    expect(s.created.map((c) => `${c.platform}:${c.kind}:${c.name}`)).toEqual([
      `cloudrun:service-account:${SA('ping-sa')}`,
      `cloudrun:service-account:${SA('s2s-smoke')}`,
      'shared:artifact-repository:s2s',
      `shared:service-account:${SA('s2s-build')}`,
      `shared:project-iam-binding:roles/logging.logWriter serviceAccount:${SA('s2s-build')}`,
      'shared:bucket:gs://demo-s2s-build',
      'cloudrun:run-service:latency-pong-sec',
      'cloudrun:run-service:latency-pong-unsec',
      'cloudrun:run-service:latency-ping',
    ]);
    expect(s.cloudrun).toMatchObject({ urls: services.urls, pingIngress: 'all', pingPrivate: false, cpu: '1', memory: '1Gi', minInstances: 1, image: IMG, complete: true });
    // The smoke check: s2s-smoke's token and no token are refused by pong-sec; ping (as ping-sa) gets through.
    expect(services.seen).toEqual([
      'GET cloudrun:/cloudrun/pong-sec/pong auth=bearer',
      'GET cloudrun:/cloudrun/pong-sec/pong auth=none',
      'GET cloudrun:/cloudrun/ping/ping?target=pong-sec&count=1&auth=id-token auth=none',
    ]);
    expect(s.cloudrun!.smoke).toMatchObject({ ok: true, layer: 'id-token' });
    expect(s.cloudrun!.smoke!.checks.map((c) => [c.name, c.ok])).toEqual([
      ['s2s-smoke → pong-sec', true],
      ['no token → pong-sec', true],
      ['ping (ping-sa) → pong-sec', true],
    ]);
    expect(r.out).toMatch(/smoke check \(cloudrun\): passed/);
    // The token never reaches the terminal, the state or a file.
    expect(r.out + r.err).not.toContain(FAKE_SMOKE_TOKEN);
    expect(readFileSync(join(stateDir, 'state.json'), 'utf8')).not.toContain(FAKE_SMOKE_TOKEN);
    // ping was deployed with the URLs discovered in the steps before it.
    const replace = fake.calls().find((c) => c.argv[2] === 'replace' && c.argv[3]!.endsWith('latency-ping.yaml'))!;
    const ping = parse(Object.values(replace.files)[0]!);
    const env = ping.spec.template.spec.containers[0].env as Array<{ name: string; value: string }>;
    expect(env.find((e) => e.name === 'PING_TARGETS')!.value).toBe(`pong-sec=${services.urls['pong-sec']},pong-unsec=${services.urls['pong-unsec']}`);
    expect((await resolvePlatform('cloudrun', { env: { S2S_STATE_DIR: stateDir } })).platform).toBe('cloudrun');

    fake.clearLog();
    const t = await run('teardown', ['cloudrun']);
    expect(t.code).toBe(0);
    expect(calls()).toEqual([
      ...CLOUDRUN_TEARDOWN,
      ...SHARED_TEARDOWN,
      `gcloud iam service-accounts delete ${SA('s2s-smoke')} --project demo --quiet`,
      `gcloud iam service-accounts delete ${SA('ping-sa')} --project demo --quiet`,
    ]);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
  });

  it('a second deploy creates nothing again: every probe finds its resource, only idempotent updates run', async () => {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST])).code).toBe(0);
    const first = state()!;
    fake.clearLog();
    fake.setRules(world({ exists: true }));
    const r = await run('deploy', ['cloudrun', ...WHERE, ...FAST]);
    expect(r.code).toBe(0);
    const second = calls();
    expect(second.filter((l) => / create |builds submit/.test(l))).toEqual([]);
    expect(second).toEqual(CLOUDRUN_FRESH.filter((l) => !/ create |builds submit/.test(l)));
    expect(state()!.created).toEqual(first.created);
  });

  it('--ping-ingress internal: ping answers only inside the VPC, so the smoke check proves the refusals and says it did not ask ping', async () => {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST, '--ping-ingress', 'internal'])).code).toBe(0);
    expect(services.seen.filter((l) => l.includes('/ping?'))).toEqual([]);
    const ping = state()!.cloudrun!.smoke!.checks.find((c) => c.name === 'ping (ping-sa) → pong-sec')!;
    expect(ping).toMatchObject({ ok: true, detail: expect.stringMatching(/^not checked from here: ping has ingress internal/) });
  });

  it('--ping-private leaves out the allUsers binding of ping, and the smoke check calls ping with your token', async () => {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST, '--ping-private'])).code).toBe(0);
    expect(calls().filter((l) => l.includes('latency-ping --member=allUsers'))).toEqual([]);
    expect(state()!.cloudrun!.pingPrivate).toBe(true);
    expect(services.seen).toContain('GET cloudrun:/cloudrun/ping/ping?target=pong-sec&count=1&auth=id-token auth=bearer');
  });

  it('a pong-sec that lets s2s-smoke in fails the smoke check: deploy exits 1 and every scenario refuses it, with the reason', async () => {
    services.knobs.pongSecOpen = true;
    const r = await run('deploy', ['cloudrun', ...WHERE, ...FAST]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/smoke check \(cloudrun\): FAILED/);
    expect(r.out).toMatch(/FAIL s2s-smoke → pong-sec: expected 403, got HTTP 200/);
    expect(r.err).toMatch(/scenario:cloudrun and scenario:cross refuse this deploy/);
    // Retried while IAM settles (6 rounds), then final.
    expect(services.seen.filter((l) => l.includes('pong-sec/pong auth=bearer'))).toHaveLength(6);
    expect(state()!.cloudrun!.smoke!.ok).toBe(false);
    await expect(resolvePlatform('cloudrun', { env: { S2S_STATE_DIR: stateDir } })).rejects.toThrow(
      /refusing to measure: the cloudrun deploy failed its smoke check .*s2s-smoke → pong-sec: expected 403, got HTTP 200.*run `npm run deploy:cloudrun` again/,
    );
  });

  it('a ping refused by pong-sec fails the smoke check too (the invoker binding of ping-sa is missing)', async () => {
    services.knobs.pingRefused = true;
    const r = await run('deploy', ['cloudrun', ...WHERE, ...FAST]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL ping \(ping-sa\) → pong-sec: pong-sec refused ping \(ping-sa\) with HTTP 403/);
  });
});

describe.each(['sidecar', 'asmcli', 'ambient', 'none'] as const)('deploy:gke --mesh %s → smoke check → teardown:gke', (mode) => {
  const flags = mode === 'asmcli' ? ['--mesh', 'sidecar', '--asmcli'] : ['--mesh', mode];
  it('runs the exact command sequence, proves the mesh refuses another identity, and tears down namespace → load balancers → cluster', async () => {
    fake.setRules(world({ mesh: meshOf(mode), clusterMode: mode === 'ambient' ? 'standard' : 'autopilot' }));
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, ...flags]);
    expect(r.err).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(gkeCalls()).toEqual(gkeFresh(mode));
    const s = state()!;
    expect(s.gke).toMatchObject({
      cluster: 's2s-latency',
      mesh: meshOf(mode),
      clusterMode: mode === 'ambient' ? 'standard' : 'autopilot',
      machineType: mode === 'ambient' ? 'e2-standard-4' : null,
      pingUrl: `http://${services.lbIp}`,
      memory: '1Gi',
      complete: true,
    });
    const smoke = s.gke!.smoke!;
    expect(smoke.ok).toBe(true);
    expect(smoke.layer).toBe(mode === 'none' ? 'none' : 'mesh-mtls');
    const checks = Object.fromEntries(smoke.checks.map((c) => [c.name, c.detail]));
    if (mode === 'none') {
      expect(checks['security layer']).toMatch(/pong-sec has no security layer/);
    } else if (mode === 'ambient') {
      expect(checks['no pod has a sidecar; ztunnel captures each']).toMatch(/4 pods, none with a sidecar/);
      expect(checks['s2s-smoke → pong-sec']).toMatch(/connection closed \(ECONNRESET\): ztunnel refuses/);
    } else {
      expect(checks['every pod has an Envoy sidecar']).toMatch(/4 pods, each with istio-proxy/);
      expect(checks['s2s-smoke → pong-sec']).toMatch(/^403/);
    }
    expect(services.seen).toContain('GET gke:/ping?target=pong-sec&count=1&auth=none auth=none');
    if (mode !== 'none') {
      const pod = fake.calls().find((c) => c.argv[0] === 'apply' && Object.keys(c.files)[0]?.endsWith('smoke.yaml'))!;
      const docs = Object.values(pod.files)[0]!;
      expect(docs).toContain('serviceAccountName: s2s-smoke');
      expect(docs).toContain(`image: ${IMG}`);
    }
    const apply = fake.calls().find((c) => c.argv[0] === 'apply' && c.argv[1] === '-k')!;
    const k = parse(Object.values(apply.files)[0]!);
    // Relative to where the kustomization is written: kustomize refuses absolute roots.
    expect(k.resources).toHaveLength(1);
    expect(resolve(join(stateDir, 'work', 'gke.manifests'), k.resources[0])).toBe(join(REPO_ROOT, 'deploy', 'gke', 'overlays', meshOf(mode)));
    expect(k.images).toEqual([{ name: 's2s-app', newName: 'us-central1-docker.pkg.dev/demo/s2s/app', newTag: 't1' }]);

    fake.clearLog();
    const t = await run('teardown', ['gke', '--yes']);
    expect(t.err).not.toMatch(/exited with code/);
    expect(t.code).toBe(0);
    expect(calls()).toEqual([...gkeTeardown(mode), ...SHARED_TEARDOWN]);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
  });
});

describe('deploy:gke modes and refusals', () => {
  it('--mesh ambient --cluster-mode autopilot is refused in one line, before any command', async () => {
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'ambient', '--cluster-mode', 'autopilot']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/--mesh ambient needs --cluster-mode standard: Istio's CNI node agent needs NET_ADMIN\/SYS_ADMIN and a hostPath, which GKE Autopilot refuses/);
    expect(calls()).toEqual([]);
  });

  it('ambient on an existing Autopilot cluster (not made by this state) stops at the cluster-mode check', async () => {
    fake.setRules(world({ exists: true, clusterMode: 'autopilot', mesh: 'ambient' }));
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'ambient']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cluster s2s-latency is Autopilot: ambient cannot run there/);
    expect(calls().some((l) => l.startsWith('istioctl install'))).toBe(false);
  });

  it('--cluster-mode standard works for the sidecar mesh too, with the fleet', async () => {
    fake.setRules(world({ clusterMode: 'standard' }));
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'sidecar', '--cluster-mode', 'standard', '--machine-type', 'e2-standard-8']);
    expect(r.code).toBe(0);
    expect(calls()).toContain(
      `gcloud container clusters create s2s-latency ${L} --machine-type=e2-standard-8 --num-nodes=1 --disk-size=50 --release-channel=regular --workload-pool=demo.svc.id.goog --addons=GcsFuseCsiDriver --service-account=${SA('s2s-nodes')} --fleet-project=demo`,
    );
    expect(state()!.gke).toMatchObject({ clusterMode: 'standard', machineType: 'e2-standard-8' });
  });

  it('re-deploy reuses the cluster and mesh; switching the mesh of a live cluster is refused and says what to do', async () => {
    fake.setRules(world({ mesh: 'none' }));
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'none'])).code).toBe(0);
    fake.clearLog();
    fake.setRules(world({ exists: true, mesh: 'none' }));
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'none'])).code).toBe(0);
    expect(calls().filter((l) => /create-auto| create |builds submit/.test(l))).toEqual([]);
    fake.clearLog();
    for (const [flags, message] of [
      [['--mesh', 'sidecar'], /refusing to switch --mesh none to --mesh sidecar: the autopilot cluster s2s-latency runs --mesh none, and installing a second mesh beside it leaves two control planes .*npm run teardown:gke/],
      [['--mesh', 'ambient'], /refusing to switch --mesh none to --mesh ambient/],
      [['--mesh', 'none', '--cluster-mode', 'standard'], /refusing --cluster-mode standard: the autopilot cluster s2s-latency runs --mesh none, and a cluster cannot change mode/],
      [['--mesh', 'none', '--cluster', 'another'], /this deploy state already tracks cluster s2s-latency; a second cluster \(another\) needs its own state dir: `S2S_STATE_DIR=.s2s-another/],
    ] as const) {
      const r = await run('deploy', ['gke', ...WHERE, ...FAST, ...flags]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    }
    expect(calls()).toEqual([]);
    expect(state()!.gke!.mesh).toBe('none');
    // The dry-run says the same, so the plan a user reads is the one that would run.
    const dry = await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'sidecar', '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.err).toMatch(/refusing to switch --mesh none to --mesh sidecar/);
  });

  it('a deploy that stopped half-way still refuses a mesh switch on the cluster it created', async () => {
    fake.setRules([{ cli: 'kubectl', argv: ['apply', '-k'], exitCode: 1, stderr: 'error: no matches for kind "PeerAuthentication"\n' }, ...world()]);
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'sidecar'])).code).toBe(1);
    expect(state()!.gke).toMatchObject({ mesh: 'sidecar', complete: false });
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'ambient']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to switch --mesh sidecar to --mesh ambient/);
  });

  it('a load balancer that never gets an address ends with a bounded, clear timeout', async () => {
    fake.setRules([{ cli: 'kubectl', argv: ['get', 'service', 'ping'], stdout: '' }, ...world({ mesh: 'none' })]);
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'none', '--wait-timeout-s', '3', '--wait-interval-s', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/wait for the load balancer address of service\/ping" timed out: .* was not ready after 3 checks/);
    expect(r.err).toMatch(/kubectl describe service ping -n s2s/);
    expect(calls().filter((l) => l.startsWith('kubectl get service ping'))).toHaveLength(3);
    expect(state()!.gke).toMatchObject({ complete: false });
    expect(state()!.created.map((c) => c.kind)).toContain('cluster');
    await expect(resolvePlatform('gke', { env: { S2S_STATE_DIR: stateDir } })).rejects.toThrow(/GKE is not deployed/);
  });

  it.each([
    ['sidecar', 'pong-sec answers the smoke pod', [{ cli: 'kubectl', argv: ['exec', 's2s-smoke'], stdout: fakeProbe('sidecar', false) }], /FAIL s2s-smoke → pong-sec: expected 403, got HTTP 200/],
    ['sidecar', 'a pod without its sidecar', [{ cli: 'kubectl', argv: ['get', 'pods'], stdout: fakePods('none') }], /FAIL every pod has an Envoy sidecar: no istio-proxy in ping-7d9-abc, pong-sec-5f4-def/],
    ['ambient', 'a pod with a sidecar under ambient', [{ cli: 'kubectl', argv: ['get', 'pods'], stdout: fakePods('sidecar') }], /FAIL no pod has a sidecar; ztunnel captures each: ping-7d9-abc, .* carry istio-proxy/],
    ['ambient', 'pong-sec answers under ambient', [{ cli: 'kubectl', argv: ['exec', 's2s-smoke'], stdout: fakeProbe('ambient', false) }], /FAIL s2s-smoke → pong-sec: expected the connection to be closed by ztunnel, got HTTP 200/],
  ] as const)('--mesh %s, %s: the smoke check fails, the deploy exits 1 and scenario:gke refuses it', async (mesh, _what, failures, message) => {
    fake.setRules(world({ mesh, clusterMode: mesh === 'ambient' ? 'standard' : 'autopilot', failures: [...failures] }));
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', mesh]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(message);
    // The smoke pod is deleted even though the check failed.
    expect(calls().at(-1)).toBe(`kubectl delete pod s2s-smoke -n s2s --ignore-not-found --wait=false ${CTX}`);
    await expect(resolvePlatform('gke', { env: { S2S_STATE_DIR: stateDir } })).rejects.toThrow(/refusing to measure: the gke deploy failed its smoke check/);
  });

  it('--distributed creates the results bucket, the s2s-k6 namespace and the runners\' Workload Identity binding; teardown removes them', async () => {
    fake.setRules(world({ mesh: 'none' }));
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'none', '--distributed']);
    expect(r.code).toBe(0);
    expect(gkeCalls()).toEqual(gkeFresh('none', { distributed: true }));
    expect(state()!.gke!.distributed).toEqual({ bucket: 'gs://demo-s2s-results', namespace: 's2s-k6', serviceAccount: 'k6-runner' });
    const runners = fake.calls().find((c) => Object.keys(c.files)[0]?.endsWith('runners.yaml'))!;
    expect(Object.values(runners.files)[0]).toMatch(/kind: Namespace\n[\s\S]*name: s2s-k6[\s\S]*kind: ServiceAccount\n[\s\S]*name: k6-runner/);
    // A later deploy without the flag keeps the setup instead of forgetting it.
    fake.clearLog();
    fake.setRules(world({ exists: true, mesh: 'none' }));
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'none'])).code).toBe(0);
    expect(calls()).toContain(`kubectl apply -f <state>/work/gke.runner-namespace/runners.yaml ${CTX}`);
    fake.clearLog();
    expect((await run('teardown', ['gke', '--yes'])).code).toBe(0);
    expect(calls()).toEqual([...gkeTeardown('none', { distributed: true }), ...SHARED_TEARDOWN]);
  });
});

describe('deploy:cross', () => {
  it('says what to deploy first when a platform is missing', async () => {
    let r = await run('deploy', ['cross']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/npm run deploy:cloudrun -- --project … --region …/);
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST])).code).toBe(0);
    r = await run('deploy', ['cross']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('deploy:cross needs GKE first: run `npm run deploy:gke -- --project demo --region us-central1`');
  });

  it('wires both directions with the exact commands, and keeps the wiring on the next deploys', async () => {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST, '--vpc-egress', 'default/default'])).code).toBe(0);
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'sidecar'])).code).toBe(0);
    fake.clearLog();
    fake.setRules(world({ exists: true }));
    const r = await run('deploy', ['cross', '--wait-interval-s', '0']);
    expect(r.err).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([
      ...PREFLIGHT_K8S,
      `kubectl get namespace s2s ${CTX}`,
      `kubectl apply -k <state>/work/gke.manifests ${CTX}`,
      `kubectl rollout restart deployment/ping -n s2s ${CTX}`,
      `kubectl rollout status deployment/ping -n s2s --timeout=900s ${CTX}`,
      `kubectl get service ping-internal -n s2s -o jsonpath={.status.loadBalancer.ingress[0].ip} ${CTX}`,
      ...cloudRunService('latency-ping'),
    ]);
    const s = state()!;
    expect(s.cross).toEqual({
      gkeTargets: { 'cloudrun-pong-unsec': services.urls['pong-unsec'] },
      cloudrunTargets: { 'gke-ping': `http://${services.lbIp}`, 'gke-ping-internal': `http://${FAKE_INTERNAL_LB_IP}` },
      complete: true,
    });
    const replace = fake.calls().find((c) => c.argv[2] === 'replace')!;
    expect(Object.values(replace.files)[0]).toContain(
      `pong-sec=${services.urls['pong-sec']},pong-unsec=${services.urls['pong-unsec']},gke-ping=http://${services.lbIp},gke-ping-internal=http://${FAKE_INTERNAL_LB_IP}`,
    );
    const k = parse(Object.values(fake.calls().find((c) => c.argv[1] === '-k')!.files)[0]!);
    expect(k.components.map((c: string) => resolve(join(stateDir, 'work', 'gke.manifests'), c))).toEqual([join(REPO_ROOT, 'deploy', 'gke', 'components', 'internal-lb')]);
    expect(JSON.stringify(k.patches)).toContain(`cloudrun-pong-unsec=${services.urls['pong-unsec']}`);
    expect((await resolvePlatform('cross', { env: { S2S_STATE_DIR: stateDir } })).pairs).toHaveLength(3);

    // A later deploy of either platform keeps the cross entries instead of silently dropping them.
    fake.clearLog();
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'sidecar'])).code).toBe(0);
    expect(JSON.stringify(parse(Object.values(fake.calls().find((c) => c.argv[1] === '-k')!.files)[0]!).patches)).toContain('cloudrun-pong-unsec=');
  });
});

describe('teardown', () => {
  async function deployBoth() {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST])).code).toBe(0);
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'sidecar'])).code).toBe(0);
    fake.clearLog();
  }

  it('teardown:all --yes deletes exactly what deploy created, newest first, and removes the state file', async () => {
    await deployBoth();
    const r = await run('teardown', ['all', '--yes']);
    expect(r.code).toBe(0);
    expect(calls()).toEqual([
      ...gkeTeardown('sidecar'),
      ...CLOUDRUN_TEARDOWN,
      ...SHARED_TEARDOWN,
      `gcloud iam service-accounts delete ${SA('s2s-smoke')} --project demo --quiet`,
      `gcloud iam service-accounts delete ${SA('ping-sa')} --project demo --quiet`,
    ]);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
  });

  it('teardown:gke without --yes and without a terminal refuses and deletes nothing', async () => {
    await deployBoth();
    const r = await run('teardown', ['gke']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refusing to delete cluster s2s-latency .* Run again with --yes/);
    expect(calls()).toEqual([]);
  });

  it('teardown:gke asks for the cluster name; a wrong answer deletes nothing, the right one proceeds', async () => {
    await deployBoth();
    const questions: string[] = [];
    let r = await run('teardown', ['gke'], async (q) => (questions.push(q), 'no'));
    expect(r.code).toBe(1);
    expect(questions[0]).toMatch(/Delete GKE cluster s2s-latency in us-central1 \(project demo\)/);
    expect(calls()).toEqual([]);
    r = await run('teardown', ['gke'], async () => 's2s-latency');
    expect(r.code).toBe(0);
    // Cloud Run is still deployed: the shared image repository, build account and bucket stay.
    expect(calls()).toEqual(gkeTeardown('sidecar'));
    const s = state()!;
    expect(s.gke).toBeNull();
    expect(s.cloudrun).not.toBeNull();
    expect(s.created.map((c) => c.name)).toContain('s2s');
  });

  it('waits for the forwarding rules to be gone before the cluster goes', async () => {
    await deployBoth();
    fake.setRules([
      { cli: 'gcloud', argv: ['compute', 'forwarding-rules', 'list'], stdout: 'a1b2c3\n', once: true },
      { cli: 'gcloud', argv: ['compute', 'forwarding-rules', 'list'], stdout: 'a1b2c3\n', once: true },
      ...world(),
    ]);
    const r = await run('teardown', ['gke', '--yes']);
    expect(r.code).toBe(0);
    const lines = calls();
    expect(lines.filter((l) => l === FORWARDING_RULES)).toHaveLength(3);
    expect(lines.lastIndexOf(FORWARDING_RULES)).toBeLessThan(lines.indexOf(`gcloud container clusters delete s2s-latency ${L} --quiet`));
    expect(r.err).toMatch(/waiting for the load balancers' forwarding rules of namespace s2s to be gone \(check 1\/3\)/);
  });

  it('forwarding rules that stay: teardown stops before the cluster, says why, and a later teardown resumes', async () => {
    await deployBoth();
    fake.setRules([{ cli: 'gcloud', argv: ['compute', 'forwarding-rules', 'list'], stdout: 'a1b2c3\n' }, ...world()]);
    const r = await run('teardown', ['gke', '--yes']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the load balancers' forwarding rules of namespace s2s still exist after 3 checks .*last said: a1b2c3.*the cluster is still there/);
    expect(calls().some((l) => l.includes('clusters delete'))).toBe(false);
    expect(state()!.created.map((c) => c.kind)).toEqual(expect.arrayContaining(['cluster', 'namespace', 'fleet-membership']));
    fake.clearLog();
    fake.setRules(world());
    expect((await run('teardown', ['gke', '--yes'])).code).toBe(0);
    expect(calls()).toEqual(gkeTeardown('sidecar'));
  });

  it('a cluster deleted by hand: its namespace counts as gone, the rest is deleted', async () => {
    await deployBoth();
    fake.setRules([
      { cli: 'gcloud', argv: ['container', 'clusters', 'get-credentials'], exitCode: 1, stderr: 'ERROR: (gcloud.container.clusters.get-credentials) ResponseError: code=404, message=Not found: projects/demo/locations/us-central1/clusters/s2s-latency.\n' },
      ...world(),
    ]);
    const r = await run('teardown', ['gke', '--yes']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('namespace s2s: already gone with its cluster');
    expect(calls().some((l) => l.startsWith('kubectl delete namespace'))).toBe(false);
    expect(calls()).toContain(`gcloud container clusters delete s2s-latency ${L} --quiet`);
  });

  it('kubectl credentials that fail for another reason stop teardown before the cluster (no guessing the namespace is gone)', async () => {
    await deployBoth();
    fake.setRules([
      { cli: 'gcloud', argv: ['container', 'clusters', 'get-credentials'], exitCode: 1, stderr: 'CRITICAL: ACTION REQUIRED: gke-gcloud-auth-plugin, which is needed for continued use of kubectl, was not found or is not executable.\n' },
      ...world(),
    ]);
    const r = await run('teardown', ['gke', '--yes']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/`gcloud container clusters get-credentials s2s-latency .*` exited with code 1\n\s+CRITICAL: ACTION REQUIRED: gke-gcloud-auth-plugin/);
    expect(calls().some((l) => l.includes('clusters delete'))).toBe(false);
  });

  it('teardown --dry-run prints the deletions in order and runs nothing', async () => {
    await deployBoth();
    const r = await run('teardown', ['gke', '--dry-run']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n').filter((l) => l.startsWith('$ '));
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/kubectl delete namespace s2s /)).toBeGreaterThan(at(/get-credentials/));
    expect(at(/forwarding-rules list/)).toBeGreaterThan(at(/kubectl delete namespace s2s /));
    expect(at(/memberships unregister s2s-latency --location us-central1/)).toBeGreaterThan(at(/forwarding-rules list/));
    expect(at(/clusters delete s2s-latency/)).toBeGreaterThan(at(/memberships unregister/));
    expect(r.out).toMatch(/repeated up to 3× every 0 s until it prints nothing: the load balancers' forwarding rules of namespace s2s/);
    expect(r.out).not.toContain('artifacts repositories delete');
    expect(calls()).toEqual([]);
  });

  it('with no state there is nothing to delete', async () => {
    const r = await run('teardown', ['all', '--yes']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/nothing to delete/);
  });
});

describe('failures', () => {
  const failOn = (rule: FakeRule) => fake.setRules(world({ failures: [rule] }));

  it('a command failing mid-way: the state lists what exists, the next deploy resumes, teardown deletes what exists', async () => {
    failOn({ cli: 'gcloud', argv: ['run', 'services', 'replace'], includes: [`${stateDir}/work/cloudrun.service.latency-pong-unsec/latency-pong-unsec.yaml`], exitCode: 1, stderr: 'ERROR: (gcloud.run.services.replace) RESOURCE_EXHAUSTED: Quota exceeded for total allowable CPU per project per region.\n' });
    const r = await run('deploy', ['cloudrun', ...WHERE, ...FAST]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('step "deploy latency-pong-unsec');
    expect(r.err).toMatch(/exited with code 1/);
    expect(r.err).toMatch(/what to do: a quota is exhausted/);
    expect(r.err).toMatch(/run the same command again to resume/);
    const before = [SA('ping-sa'), SA('s2s-smoke'), 's2s', SA('s2s-build'), `roles/logging.logWriter serviceAccount:${SA('s2s-build')}`, 'gs://demo-s2s-build', 'latency-pong-sec'];
    expect(state()!.created.map((c) => c.name)).toEqual(before);
    expect(state()!.cloudrun).toBeNull();

    // Resume: what exists is found by the probes and not created again.
    fake.clearLog();
    fake.setRules([
      { cli: 'gcloud', argv: ['iam', 'service-accounts', 'describe'], stdout: 'ok' },
      { cli: 'gcloud', argv: ['artifacts'], includes: ['describe'], stdout: 'ok' },
      { cli: 'gcloud', argv: ['storage', 'buckets', 'describe'], stdout: 'ok' },
      { cli: 'gcloud', includes: ['describe', 'latency-pong-sec', '--format=value(metadata.name)'], stdout: 'latency-pong-sec' },
      ...world(),
    ]);
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST])).code).toBe(0);
    expect(calls().filter((l) => / create |builds submit/.test(l))).toEqual([]);
    expect(state()!.created.map((c) => c.name)).toEqual([...before, 'latency-pong-unsec', 'latency-ping']);

    fake.clearLog();
    expect((await run('teardown', ['cloudrun'])).code).toBe(0);
    expect(calls()).toEqual([...CLOUDRUN_TEARDOWN, ...SHARED_TEARDOWN, `gcloud iam service-accounts delete ${SA('s2s-smoke')} --project demo --quiet`, `gcloud iam service-accounts delete ${SA('ping-sa')} --project demo --quiet`]);
  });

  it('teardown stopped by an error keeps the rest in the state; "not found" counts as deleted', async () => {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST])).code).toBe(0);
    fake.clearLog();
    fake.setRules([
      { cli: 'gcloud', argv: ['run', 'services', 'delete', 'latency-ping'], exitCode: 1, stderr: 'ERROR: NOT_FOUND: Service latency-ping not found\n' },
      { cli: 'gcloud', argv: ['run', 'services', 'delete', 'latency-pong-unsec'], exitCode: 1, stderr: 'ERROR: PERMISSION_DENIED: Permission run.services.delete denied\n' },
    ]);
    const r = await run('teardown', ['cloudrun']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/gcloud run services delete latency-pong-unsec .* exited with code 1/);
    expect(state()!.created.map((c) => c.name)).toEqual([SA('ping-sa'), SA('s2s-smoke'), 's2s', SA('s2s-build'), `roles/logging.logWriter serviceAccount:${SA('s2s-build')}`, 'gs://demo-s2s-build', 'latency-pong-sec', 'latency-pong-unsec']);
  });

  it('a flag the stand-in gcloud does not know exits 2 like the real one (the stand-ins accept nothing blindly)', async () => {
    const { runCommand } = await import('../../src/platforms/deploy/exec.ts');
    const r = await runCommand(['gcloud', 'container', 'clusters', 'create-auto', 's2s-latency', '--locatoin', 'us-central1'], { env: fake.env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unrecognized arguments: --locatoin/);
    const unknown = await runCommand(['kubectl', 'port-forward', 'svc/ping', '8080:80'], { env: fake.env });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/knows no such command/);
  });

  it.each([
    ['API not enabled', { cli: 'gcloud', argv: ['iam', 'service-accounts', 'create'], stderr: 'ERROR: (gcloud.iam) PERMISSION_DENIED: Identity and Access Management (IAM) API has not been used in project demo before or it is disabled. reason: SERVICE_DISABLED iam.googleapis.com\n' }, /enable the API: `gcloud services enable iam.googleapis.com --project <project>`/],
    ['permission denied', { cli: 'gcloud', argv: ['iam', 'service-accounts', 'create'], stderr: 'ERROR: (gcloud.iam.service-accounts.create) PERMISSION_DENIED: Permission iam.serviceAccounts.create denied on resource\n' }, /lacks the permission iam.serviceAccounts.create, which roles\/iam.serviceAccountAdmin grants/],
    ['quota', { cli: 'gcloud', argv: ['container', 'clusters', 'create-auto'], stderr: 'ERROR: QUOTA_EXCEEDED: Insufficient regional quota to satisfy request: resource "CPUS"\n' }, /a quota is exhausted/],
  ] as const)('%s: names the failing command and what to do', async (_name, rule, advice) => {
    failOn({ ...rule, exitCode: 1 } as FakeRule);
    const target = rule.argv[0] === 'container' ? ['gke', '--mesh', 'none'] : ['cloudrun'];
    const r = await run('deploy', [...target, ...WHERE, ...FAST]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`\`gcloud ${rule.argv.join(' ')} .*\` exited with code 1`));
    expect(r.err).toMatch(advice);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([
    ['not logged in', [{ cli: 'gcloud', argv: ['auth', 'list'], stdout: '' }], /`gcloud auth list .*` exited with code 0[\s\S]*gcloud auth login/],
    ['no such project', [{ cli: 'gcloud', argv: ['projects', 'describe'], exitCode: 1, stderr: 'ERROR: NOT_FOUND: project demo\n' }], /project demo was not found: check --project/],
    ['project not visible', [{ cli: 'gcloud', argv: ['projects', 'describe'], exitCode: 1, stderr: 'ERROR: PERMISSION_DENIED: 403\n' }], /cannot see project demo/],
    ['kubectl missing', [{ cli: 'kubectl', argv: ['version'], exitCode: 127, stderr: 'kubectl: command not found\n' }], /kubectl is not on PATH[\s\S]*gcloud components install kubectl/],
  ] as const)('preflight, %s: stops before touching anything', async (_name, rules, message) => {
    fake.setRules([...(rules as readonly FakeRule[]), ...world()]);
    const r = await run('deploy', ['gke', ...WHERE, ...FAST]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/preflight failed/);
    expect(r.err).toMatch(message);
    expect(calls().filter((l) => /enable|create/.test(l))).toEqual([]);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
  });

  it('preflight: gcloud not installed at all', async () => {
    const onlyKubectl = createFakeClis(world(), ['kubectl']);
    try {
      let err = '';
      const io = { env: { ...onlyKubectl.env, PATH: onlyKubectl.dir /* no /usr/bin: this machine may have a real gcloud there */, S2S_STATE_DIR: stateDir }, cwd: REPO_ROOT, out: () => {}, err: (t: string) => void (err += t) };
      expect(await deployMain(['cloudrun', ...WHERE, ...FAST], io)).toBe(2);
      expect(err).toMatch(/`gcloud --version` could not run \(gcloud is not on PATH\)[\s\S]*install the Google Cloud SDK/);
    } finally {
      onlyKubectl.cleanup();
    }
  });

  it.each([
    [['cloudrun', '--project', 'Demo!', '--region', 'us-central1'], /^deploy: --project "Demo!": expected a Google Cloud project ID[^\n]*\n$/],
    [['gke', ...WHERE, '--mesh', 'linkerd'], /^deploy: --mesh "linkerd": expected sidecar, ambient or none\n$/],
    [['gke', ...WHERE, '--mesh', 'ambient', '--asmcli'], /--asmcli .* cannot be combined with --mesh ambient/],
    [['gke', ...WHERE, '--cluster-mode', 'hybrid'], /^deploy: --cluster-mode "hybrid": expected autopilot or standard\n$/],
    [['gke', ...WHERE, '--machine-type', 'e2-standard-8'], /--machine-type sizes the node pool of a Standard cluster/],
    [['cloudrun', '--project', 'demo', '--region', 'us-central1-a'], /^deploy: --region "us-central1-a": expected a region[^\n]*\n$/],
    [['cloudrun', '--project', 'demo', '--dry-run'], /no region: pass --region/],
    [['cloudrun', ...WHERE, '--bogus'], /^deploy: --bogus: unknown flag; run with --help for the flags\n$/],
    [['gke', ...WHERE, '--wait-timeout-s', '-5'], /^deploy: --wait-timeout-s "-5": expected an integer number of seconds from 1 to 7200\n$/],
    [['aws', ...WHERE], /unknown platform "aws": expected one of cloudrun, gke, cross/],
  ])('bad flags %j: a message, exit 2, no commands', async (argv, message) => {
    const r = await run('deploy', argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(calls()).toEqual([]);
  });

  it('a state file for another project is not silently reused', async () => {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST])).code).toBe(0);
    const r = await run('deploy', ['cloudrun', '--project', 'other-project', '--region', 'us-central1', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/belongs to --project demo --region us-central1.*S2S_STATE_DIR/);
  });
});
