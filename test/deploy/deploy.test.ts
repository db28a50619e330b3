// Deploy, re-deploy, cross wiring, teardown and failures, end to end through the real CLI modules with the
// stand-in gcloud/kubectl/asmcli/istioctl on PATH: the exact commands, in order, and the state they leave.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main as deployMain } from '../../src/platforms/deploy-cli.ts';
import { main as teardownMain } from '../../src/platforms/teardown-cli.ts';
import { REPO_ROOT } from '../../src/platforms/deploy/context.ts';
import { readState } from '../../src/platforms/deploy/state.ts';
import { cloudWorld, createFakeClis, FAKE_INTERNAL_LB_IP, FAKE_LB_IP, FAKE_URLS, type FakeClis, type FakeRule } from '../fakes/index.ts';

const IMG = 'us-central1-docker.pkg.dev/demo/s2s/app:t1';
const WHERE = ['--project', 'demo', '--region', 'us-central1'];
const FAST = ['--image-tag', 't1', '--wait-interval-s', '0', '--wait-timeout-s', '30'];
const CTX = '--context gke_demo_us-central1_s2s-latency';

let fake: FakeClis;
let stateDir: string;

beforeEach(() => {
  fake = createFakeClis(cloudWorld({ exists: false }));
  stateDir = mkdtempSync(join(tmpdir(), 's2s-state-'));
});
afterEach(() => {
  fake.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

async function run(cli: 'deploy' | 'teardown', argv: string[], ask: ((q: string) => Promise<string>) | null = null) {
  let out = '';
  let err = '';
  const io = { env: { ...fake.env, S2S_STATE_DIR: stateDir }, cwd: REPO_ROOT, out: (t: string) => void (out += t), err: (t: string) => void (err += t), ask };
  const code = cli === 'deploy' ? await deployMain(argv, io) : await teardownMain(argv, io);
  return { code, out, err };
}

/** The calls made, one line each, with the state directory shown as <state>. */
function calls(): string[] {
  return fake.lines().map((l) => l.split(stateDir).join('<state>'));
}

const state = () => readState(join(stateDir, 'state.json'));

const PREFLIGHT = ['gcloud --version', 'gcloud auth list --filter=status:ACTIVE --format=value(account)', 'gcloud projects describe demo --format=value(projectId)'];
const PREFLIGHT_K8S = ['gcloud --version', 'kubectl version --client', ...PREFLIGHT.slice(1)];
const REPO_AND_IMAGE = [
  'gcloud artifacts repositories describe s2s --location us-central1 --project demo',
  'gcloud artifacts repositories create s2s --repository-format=docker --location us-central1 --project demo --description=s2s-latency images',
  `gcloud artifacts docker images describe ${IMG} --project demo`,
  `gcloud builds submit --config deploy/cloudbuild.yaml --substitutions _IMAGE=${IMG} --project demo .`,
];
const R = '--region us-central1 --project demo';

function cloudRunService(name: string): string[] {
  return [`gcloud run services describe ${name} ${R} --format=value(metadata.name)`, `gcloud run services replace <state>/work/cloudrun.service.${name}/${name}.yaml ${R}`];
}

const CLOUDRUN_FRESH = [
  ...PREFLIGHT,
  'gcloud services enable run.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com iam.googleapis.com --project demo',
  'gcloud iam service-accounts describe ping-sa@demo.iam.gserviceaccount.com --project demo',
  'gcloud iam service-accounts create ping-sa --display-name=s2s-latency ping --project demo',
  ...REPO_AND_IMAGE,
  ...cloudRunService('latency-pong-sec'),
  `gcloud run services add-iam-policy-binding latency-pong-sec --member=serviceAccount:ping-sa@demo.iam.gserviceaccount.com --role=roles/run.invoker ${R}`,
  ...cloudRunService('latency-pong-unsec'),
  `gcloud run services add-iam-policy-binding latency-pong-unsec --member=allUsers --role=roles/run.invoker ${R}`,
  `gcloud run services describe latency-pong-sec ${R} --format=value(status.url)`,
  `gcloud run services describe latency-pong-unsec ${R} --format=value(status.url)`,
  ...cloudRunService('latency-ping'),
  `gcloud run services add-iam-policy-binding latency-ping --member=allUsers --role=roles/run.invoker ${R}`,
  `gcloud run services describe latency-ping ${R} --format=value(status.url)`,
];

const L = '--location us-central1 --project demo';
function gkeFresh(mesh: 'sidecar' | 'asmcli' | 'ambient' | 'none'): string[] {
  const apis = mesh === 'sidecar' || mesh === 'asmcli' ? ' gkehub.googleapis.com mesh.googleapis.com' : '';
  const meshSteps: Record<typeof mesh, string[]> = {
    sidecar: [
      'gcloud container fleet memberships describe s2s-latency --location us-central1 --project demo',
      'gcloud container clusters update s2s-latency --location us-central1 --project demo --fleet-project=demo',
      'gcloud container fleet mesh describe --project demo --format=value(name)',
      'gcloud container fleet mesh enable --project demo',
      'gcloud container fleet mesh update --management automatic --memberships s2s-latency --location us-central1 --project demo',
      'gcloud container fleet mesh describe --project demo --format=json',
    ],
    asmcli: ['asmcli install --project_id demo --cluster_name s2s-latency --cluster_location us-central1 --enable_all --managed --ca mesh_ca'],
    ambient: [
      `kubectl apply -f <state>/work/gke.istio-system-quota/istio-system.yaml ${CTX}`,
      `kubectl get daemonset ztunnel -n istio-system ${CTX}`,
      'istioctl install --set profile=ambient --set values.global.platform=gke --skip-confirmation --context gke_demo_us-central1_s2s-latency',
    ],
    none: [],
  };
  const preflight = [...PREFLIGHT_K8S];
  if (mesh === 'asmcli') preflight.splice(2, 0, 'asmcli --version');
  if (mesh === 'ambient') preflight.splice(2, 0, 'istioctl version --remote=false');
  return [
    ...preflight,
    `gcloud services enable container.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com${apis} --project demo`,
    ...REPO_AND_IMAGE,
    `gcloud container clusters describe s2s-latency ${L} --format=value(name)`,
    `gcloud container clusters create-auto s2s-latency ${L}${mesh === 'sidecar' ? ' --fleet-project=demo' : ''}`,
    `gcloud container clusters get-credentials s2s-latency ${L}`,
    ...meshSteps[mesh],
    `kubectl get namespace s2s ${CTX}`,
    `kubectl apply -k <state>/work/gke.manifests ${CTX}`,
    `kubectl rollout status deployment/ping -n s2s --timeout=30s ${CTX}`,
    `kubectl rollout status deployment/pong-sec -n s2s --timeout=30s ${CTX}`,
    `kubectl rollout status deployment/pong-unsec -n s2s --timeout=30s ${CTX}`,
    `kubectl get service ping -n s2s -o jsonpath={.status.loadBalancer.ingress[0].ip} ${CTX}`,
  ];
}

describe('deploy:cloudrun', () => {
  it('runs the exact command sequence on a fresh project and records what it created', async () => {
    const r = await run('deploy', ['cloudrun', ...WHERE, ...FAST]);
    expect(r.err).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(calls()).toEqual(CLOUDRUN_FRESH);
    const s = state()!;
    expect(s.created.map((c) => `${c.platform}:${c.kind}:${c.name}`)).toEqual([
      'cloudrun:service-account:ping-sa@demo.iam.gserviceaccount.com',
      'shared:artifact-repository:s2s',
      'cloudrun:run-service:latency-pong-sec',
      'cloudrun:run-service:latency-pong-unsec',
      'cloudrun:run-service:latency-ping',
    ]);
    expect(s.cloudrun).toMatchObject({ urls: FAKE_URLS, pingIngress: 'all', pingPrivate: false, cpu: '1', memory: '512Mi', minInstances: 1, image: IMG, complete: true });
    expect(r.out).toContain(FAKE_URLS.ping);
    // ping was deployed with the URLs discovered in the steps before it.
    const replace = fake.calls().find((c) => c.argv[2] === 'replace' && c.argv[3]!.endsWith('latency-ping.yaml'))!;
    const ping = parse(Object.values(replace.files)[0]!);
    const env = ping.spec.template.spec.containers[0].env as Array<{ name: string; value: string }>;
    expect(env.find((e) => e.name === 'PING_TARGETS')!.value).toBe(`pong-sec=${FAKE_URLS['pong-sec']},pong-unsec=${FAKE_URLS['pong-unsec']}`);
  });

  it('a second deploy creates nothing again: every probe finds its resource, only idempotent updates run', async () => {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST])).code).toBe(0);
    const first = state()!;
    fake.clearLog();
    fake.setRules(cloudWorld({ exists: true }));
    const r = await run('deploy', ['cloudrun', ...WHERE, ...FAST]);
    expect(r.code).toBe(0);
    const second = calls();
    expect(second.filter((l) => / create |builds submit/.test(l))).toEqual([]);
    expect(second).toEqual(CLOUDRUN_FRESH.filter((l) => !/ create |builds submit/.test(l)));
    expect(state()!.created).toEqual(first.created);
  });

  it('--ping-private leaves out the allUsers binding of ping and marks ping private', async () => {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST, '--ping-private'])).code).toBe(0);
    expect(calls().filter((l) => l.includes('latency-ping --member=allUsers'))).toEqual([]);
    expect(state()!.cloudrun!.pingPrivate).toBe(true);
  });
});

describe.each(['sidecar', 'asmcli', 'ambient', 'none'] as const)('deploy:gke --mesh %s', (mode) => {
  const flags = mode === 'asmcli' ? ['--mesh', 'sidecar', '--asmcli'] : ['--mesh', mode];
  it('runs the exact command sequence and records the cluster and namespace', async () => {
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, ...flags]);
    expect(r.err).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(calls()).toEqual(gkeFresh(mode));
    const s = state()!;
    expect(s.gke).toMatchObject({ cluster: 's2s-latency', mesh: mode === 'asmcli' ? 'sidecar' : mode, pingUrl: `http://${FAKE_LB_IP}`, complete: true });
    const kinds = s.created.map((c) => `${c.kind}:${c.name}`);
    expect(kinds).toContain('cluster:s2s-latency');
    expect(kinds).toContain('namespace:s2s');
    const apply = fake.calls().find((c) => c.argv[0] === 'apply' && c.argv[1] === '-k')!;
    const k = parse(Object.values(apply.files)[0]!);
    // Relative to where the kustomization is written: kustomize refuses absolute roots.
    expect(k.resources).toHaveLength(1);
    expect(resolve(join(stateDir, 'work', 'gke.manifests'), k.resources[0])).toBe(join(REPO_ROOT, 'deploy', 'gke', 'overlays', mode === 'asmcli' ? 'sidecar' : mode));
    expect(k.images).toEqual([{ name: 's2s-app', newName: 'us-central1-docker.pkg.dev/demo/s2s/app', newTag: 't1' }]);
  });
});

describe('deploy:gke again', () => {
  it('re-deploy reuses the cluster and mesh; switching the mesh mode restarts the pods', async () => {
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'none'])).code).toBe(0);
    fake.clearLog();
    fake.setRules(cloudWorld({ exists: true }));
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'none'])).code).toBe(0);
    expect(calls().filter((l) => /create-auto| create |builds submit|rollout restart/.test(l))).toEqual([]);
    fake.clearLog();
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'sidecar'])).code).toBe(0);
    expect(calls()).toContain(`kubectl rollout restart deployment -n s2s ${CTX}`);
    expect(state()!.gke!.mesh).toBe('sidecar');
  });

  it('a load balancer that never gets an address ends with a bounded, clear timeout', async () => {
    fake.setRules([{ cli: 'kubectl', argv: ['get', 'service', 'ping'], stdout: '' }, ...cloudWorld({ exists: false })]);
    const r = await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'none', '--wait-timeout-s', '3', '--wait-interval-s', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/wait for the load balancer address of service\/ping" timed out: .* was not ready after 3 checks/);
    expect(r.err).toMatch(/kubectl describe service ping -n s2s/);
    expect(calls().filter((l) => l.startsWith('kubectl get service ping'))).toHaveLength(3);
    expect(state()!.gke).toBeNull();
    expect(state()!.created.map((c) => c.kind)).toContain('cluster');
  });
});

describe('deploy:cross', () => {
  it('says what to deploy first when a platform is missing', async () => {
    let r = await run('deploy', ['cross']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/npm run deploy:cloudrun -- --project … --region …/);
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST])).code).toBe(0);
    r = await run('deploy', ['cross']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('deploy:cross needs GKE first: run `npm run deploy:gke -- --project demo --region us-central1`');
  });

  it('wires both directions with the exact commands, and keeps the wiring on the next deploys', async () => {
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST, '--vpc-egress', 'default/default'])).code).toBe(0);
    expect((await run('deploy', ['gke', ...WHERE, ...FAST, '--mesh', 'sidecar'])).code).toBe(0);
    fake.clearLog();
    fake.setRules(cloudWorld({ exists: true }));
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
      gkeTargets: { 'cloudrun-pong-unsec': FAKE_URLS['pong-unsec'] },
      cloudrunTargets: { 'gke-ping': `http://${FAKE_LB_IP}`, 'gke-ping-internal': `http://${FAKE_INTERNAL_LB_IP}` },
      complete: true,
    });
    const replace = fake.calls().find((c) => c.argv[2] === 'replace')!;
    expect(Object.values(replace.files)[0]).toContain(
      `pong-sec=${FAKE_URLS['pong-sec']},pong-unsec=${FAKE_URLS['pong-unsec']},gke-ping=http://${FAKE_LB_IP},gke-ping-internal=http://${FAKE_INTERNAL_LB_IP}`,
    );
    const k = parse(Object.values(fake.calls().find((c) => c.argv[1] === '-k')!.files)[0]!);
    expect(k.components.map((c: string) => resolve(join(stateDir, 'work', 'gke.manifests'), c))).toEqual([join(REPO_ROOT, 'deploy', 'gke', 'components', 'internal-lb')]);
    expect(JSON.stringify(k.patches)).toContain(`cloudrun-pong-unsec=${FAKE_URLS['pong-unsec']}`);

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
      'gcloud container clusters delete s2s-latency --location us-central1 --project demo --quiet',
      `gcloud run services delete latency-ping ${R} --quiet`,
      `gcloud run services delete latency-pong-unsec ${R} --quiet`,
      `gcloud run services delete latency-pong-sec ${R} --quiet`,
      'gcloud artifacts repositories delete s2s --location us-central1 --project demo --quiet',
      'gcloud iam service-accounts delete ping-sa@demo.iam.gserviceaccount.com --project demo --quiet',
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
    // Cloud Run is still deployed: the shared image repository stays.
    expect(calls()).toEqual(['gcloud container clusters delete s2s-latency --location us-central1 --project demo --quiet']);
    const s = state()!;
    expect(s.gke).toBeNull();
    expect(s.cloudrun).not.toBeNull();
    expect(s.created.map((c) => c.name)).toContain('s2s');
  });

  it('teardown --dry-run prints the deletions and runs nothing', async () => {
    await deployBoth();
    const r = await run('teardown', ['cloudrun', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`$ gcloud run services delete latency-ping ${R} --quiet`);
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
  const failOn = (rule: FakeRule) => fake.setRules(cloudWorld({ exists: false, failures: [rule] }));

  it('a command failing mid-way: the state lists what exists, the next deploy resumes, teardown deletes what exists', async () => {
    failOn({ cli: 'gcloud', argv: ['run', 'services', 'replace'], includes: [`${stateDir}/work/cloudrun.service.latency-pong-unsec/latency-pong-unsec.yaml`], exitCode: 1, stderr: 'ERROR: (gcloud.run.services.replace) RESOURCE_EXHAUSTED: Quota exceeded for total allowable CPU per project per region.\n' });
    const r = await run('deploy', ['cloudrun', ...WHERE, ...FAST]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('step "deploy latency-pong-unsec');
    expect(r.err).toMatch(/exited with code 1/);
    expect(r.err).toMatch(/what to do: a quota is exhausted/);
    expect(r.err).toMatch(/run the same command again to resume/);
    expect(state()!.created.map((c) => c.name)).toEqual(['ping-sa@demo.iam.gserviceaccount.com', 's2s', 'latency-pong-sec']);
    expect(state()!.cloudrun).toBeNull();

    // Resume: what exists is found by the probes and not created again.
    fake.clearLog();
    fake.setRules([
      { cli: 'gcloud', argv: ['iam', 'service-accounts', 'describe'], stdout: 'ok' },
      { cli: 'gcloud', argv: ['artifacts'], includes: ['describe'], stdout: 'ok' },
      { cli: 'gcloud', includes: ['describe', 'latency-pong-sec', '--format=value(metadata.name)'], stdout: 'latency-pong-sec' },
      ...cloudWorld({ exists: false }),
    ]);
    expect((await run('deploy', ['cloudrun', ...WHERE, ...FAST])).code).toBe(0);
    expect(calls().filter((l) => / create |builds submit/.test(l))).toEqual([]);
    expect(state()!.created.map((c) => c.name)).toEqual(['ping-sa@demo.iam.gserviceaccount.com', 's2s', 'latency-pong-sec', 'latency-pong-unsec', 'latency-ping']);

    fake.clearLog();
    expect((await run('teardown', ['cloudrun'])).code).toBe(0);
    expect(calls()).toHaveLength(5);
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
    expect(state()!.created.map((c) => c.name)).toEqual(['ping-sa@demo.iam.gserviceaccount.com', 's2s', 'latency-pong-sec', 'latency-pong-unsec']);
  });

  it.each([
    ['API not enabled', { cli: 'gcloud', argv: ['iam', 'service-accounts', 'create'], stderr: 'ERROR: (gcloud.iam) PERMISSION_DENIED: Identity and Access Management (IAM) API has not been used in project demo before or it is disabled. reason: SERVICE_DISABLED iam.googleapis.com\n' }, /enable the API: `gcloud services enable iam.googleapis.com --project <project>`/],
    ['permission denied', { cli: 'gcloud', argv: ['iam', 'service-accounts', 'create'], stderr: 'ERROR: (gcloud.iam.service-accounts.create) PERMISSION_DENIED: Permission iam.serviceAccounts.create denied on resource\n' }, /lacks a permission.*roles\/iam.serviceAccountAdmin/],
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
    fake.setRules([...(rules as readonly FakeRule[]), ...cloudWorld({ exists: false })]);
    const r = await run('deploy', ['gke', ...WHERE, ...FAST]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/preflight failed/);
    expect(r.err).toMatch(message);
    expect(calls().filter((l) => /enable|create/.test(l))).toEqual([]);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
  });

  it('preflight: gcloud not installed at all', async () => {
    const onlyKubectl = createFakeClis(cloudWorld({ exists: false }), ['kubectl']);
    try {
      let err = '';
      const io = { env: { ...onlyKubectl.env, PATH: onlyKubectl.dir /* no /usr/bin: this machine may have a real gcloud there */, S2S_STATE_DIR: stateDir }, cwd: REPO_ROOT, out: () => {}, err: (t: string) => void (err += t) };
      expect(await deployMain(['cloudrun', ...WHERE, ...FAST], io)).toBe(1);
      expect(err).toMatch(/`gcloud --version` could not run \(gcloud is not on PATH\)[\s\S]*install the Google Cloud SDK/);
    } finally {
      onlyKubectl.cleanup();
    }
  });

  it.each([
    [['cloudrun', '--project', 'Demo!', '--region', 'us-central1'], /--project="Demo!": expected a Google Cloud project ID/],
    [['gke', ...WHERE, '--mesh', 'linkerd'], /--mesh="linkerd": expected sidecar, ambient or none/],
    [['gke', ...WHERE, '--mesh', 'ambient', '--asmcli'], /--asmcli .* cannot be combined with --mesh ambient/],
    [['cloudrun', '--project', 'demo', '--region', 'us-central1-a'], /--region="us-central1-a": expected a region/],
    [['cloudrun', '--project', 'demo', '--dry-run'], /no region: pass --region/],
    [['cloudrun', ...WHERE, '--bogus'], /Unknown option '--bogus'/],
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
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/belongs to --project demo --region us-central1.*S2S_STATE_DIR/);
  });
});
