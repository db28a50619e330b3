// GKE + Istio: the deploy plan (an Autopilot cluster, or a Standard one for ambient; managed mesh through the
// fleet API or asmcli, or Istio ambient; `kubectl apply -k` of deploy/gke/overlays/<mesh> with the image set;
// the smoke check of the mesh policy), what teardown must delete and in which order, and what the runner measures.
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import {
  bucketRoleStep, bucketStep, type DeployContext, enableApisStep, imageSteps, projectRoleStep, REPO_ROOT, repositoryRoleStep, serviceAccountEmail,
  serviceAccountStep,
} from './deploy/context.ts';
import { renderKustomization, toYamlStream, type K8sObject, type Kustomization } from './deploy/kustomize.ts';
import { AMBIENT_ON_AUTOPILOT, DEFAULTS, UsageError } from './deploy/options.ts';
import type { CreatedResource, GoneWait, Plan, Step } from './deploy/plan.ts';
import type { DeployState, GkeState } from './deploy/state.ts';
import { gkeSmoke, IMAGE_NODE, SMOKE_NAME, smokeFrom, smokePodManifest, smokeProbeScript } from './smoke.ts';
import type { MeasuredPair, ResolvedPlatform } from './types.ts';

export type MeshMode = 'sidecar' | 'ambient' | 'none';

export const GKE_DEPLOYMENTS = ['ping', 'pong-sec', 'pong-unsec'] as const;
export const LB_IP_VAR = 'gke.lb.ip';
export const INTERNAL_LB_IP_VAR = 'gke.internal-lb.ip';

/** The kubeconfig context `get-credentials` creates; every kubectl call names it, never the current one. */
export function kubeContext(project: string, region: string, cluster: string): string {
  return `gke_${project}_${region}_${cluster}`;
}

function kubectl(ctx: DeployContext, ...args: string[]): string[] {
  const context = ['--context', kubeContext(ctx.project, ctx.region, ctx.options.cluster)];
  // Everything after `--` belongs to the command `kubectl exec` runs, so the context goes before it.
  const end = args.indexOf('--');
  return end < 0 ? ['kubectl', ...args, ...context] : ['kubectl', ...args.slice(0, end), ...context, ...args.slice(end)];
}

function clusterLocation(ctx: DeployContext): string[] {
  return ['--location', ctx.region, '--project', ctx.project];
}

/** kubectl on another machine (or after `kubectl config delete-context`) needs the credentials again. */
function credentialsArgv(ctx: DeployContext): string[] {
  return ['gcloud', 'container', 'clusters', 'get-credentials', ctx.options.cluster, ...clusterLocation(ctx)];
}

/** The GKE nodes' own service account: minimal node role plus read access to our image repository only. */
export function nodeServiceAccount(project: string): string {
  return serviceAccountEmail('s2s-nodes', project);
}

export function resultsBucket(project: string): string {
  return `gs://${project}-s2s-results`;
}

/** A namespace teardown deletes (waiting for it to be gone) after fetching credentials; the cluster may be gone already. */
function namespaceResource(ctx: DeployContext, ns: string, after?: GoneWait): CreatedResource {
  return {
    platform: 'gke',
    kind: 'namespace',
    name: ns,
    before: [credentialsArgv(ctx)],
    deleteArgv: kubectl(ctx, 'delete', 'namespace', ns, '--ignore-not-found', '--wait=true', `--timeout=${ctx.options.waitTimeoutS}s`),
    ...(after ? { after } : {}),
  };
}

/**
 * What teardown waits for after deleting namespace s2s and before deleting the cluster: the forwarding rules of
 * its LoadBalancer Services (ping, ping-internal), which GKE's controller removes only while the cluster lives.
 * Their description names the Service as "<namespace>/<name>".
 */
export function forwardingRulesWait(ctx: DeployContext): GoneWait {
  return {
    argv: ['gcloud', 'compute', 'forwarding-rules', 'list', `--regions=${ctx.region}`, `--filter=description~${DEFAULTS.namespace}/ping`, '--format=value(name)', '--project', ctx.project],
    what: `the load balancers' forwarding rules of namespace ${DEFAULTS.namespace}`,
    ...waitAttempts(ctx),
  };
}

export function overlayDir(mesh: MeshMode): string {
  return join(REPO_ROOT, 'deploy', 'gke', 'overlays', mesh);
}

export interface GkeWiring {
  /** Extra allow-list entries for GKE ping (deploy:cross adds Cloud Run's pong-unsec). */
  extraTargets: Record<string, string>;
  /** Add the internal load balancer in front of ping (Cloud Run with Direct VPC egress calls it). */
  internalLb: boolean;
}

export const IN_CLUSTER_TARGETS: Record<string, string> = {
  'pong-sec': `http://pong-sec.${DEFAULTS.namespace}.svc.cluster.local`,
  'pong-unsec': `http://pong-unsec.${DEFAULTS.namespace}.svc.cluster.local`,
};

/**
 * The kustomization deploy writes next to the state and applies with `kubectl apply -k`: the chosen overlay,
 * the real image, cpu/memory when they differ from the base, and the cross-platform allow-list entries.
 */
export const MANIFESTS_STEP_ID = 'gke.manifests';

/** The directory the generated kustomization is written to (kustomize wants paths relative to it). */
export function manifestsDir(ctx: DeployContext): string {
  return join(ctx.workRoot, MANIFESTS_STEP_ID);
}

export function generatedKustomization(ctx: DeployContext, mesh: MeshMode, wiring: GkeWiring): Kustomization {
  // kustomize refuses absolute roots: point at the repository's overlay relative to where this file is written.
  const rel = (dir: string) => relative(manifestsDir(ctx), dir);
  const [name, tag] = [ctx.image.slice(0, ctx.image.lastIndexOf(':')), ctx.image.slice(ctx.image.lastIndexOf(':') + 1)];
  const k: Kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [rel(overlayDir(mesh))],
    images: [{ name: 's2s-app', newName: name, newTag: tag }],
  };
  if (wiring.internalLb) k.components = [rel(join(REPO_ROOT, 'deploy', 'gke', 'components', 'internal-lb'))];
  const patches: string[] = [];
  if (ctx.options.cpu !== DEFAULTS.cpu || ctx.options.memory !== DEFAULTS.memory) {
    const box = { cpu: ctx.options.cpu, memory: ctx.options.memory };
    for (const dep of GKE_DEPLOYMENTS) {
      patches.push(stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: dep, namespace: DEFAULTS.namespace },
        spec: { template: { spec: { containers: [{ name: 'app', resources: { requests: box, limits: box } }] } } },
      }));
    }
  }
  if (Object.keys(wiring.extraTargets).length > 0) {
    const all = { ...IN_CLUSTER_TARGETS, ...wiring.extraTargets };
    patches.push(stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ping-config', namespace: DEFAULTS.namespace },
      data: { PING_TARGETS: Object.entries(all).map(([n, u]) => `${n}=${u}`).join(',') },
    }));
  }
  if (patches.length > 0) k.patches = patches.map((patch) => ({ patch }));
  return k;
}

/** The objects `kubectl apply -k` applies, rendered by our own renderer (see deploy/kustomize.ts). */
export function renderGkeManifests(ctx: DeployContext, mesh: MeshMode, wiring: GkeWiring): K8sObject[] {
  return renderKustomization(manifestsDir(ctx), generatedKustomization(ctx, mesh, wiring));
}

/** The step that writes the generated kustomization and applies it. */
export function applyManifestsStep(ctx: DeployContext, mesh: MeshMode, wiring: GkeWiring): Step {
  const k = generatedKustomization(ctx, mesh, wiring);
  const ns = DEFAULTS.namespace;
  return {
    id: MANIFESTS_STEP_ID,
    description: `apply deploy/gke/overlays/${mesh} (namespace ${ns}: ping + ping-sa, pong-sec, pong-unsec${mesh === 'none' ? ', no mesh' : ', STRICT mTLS, AuthorizationPolicy'})`,
    probe: kubectl(ctx, 'get', 'namespace', ns),
    whenPresent: 'run',
    files: [{ fileName: 'kustomization.yaml', text: stringify(k, { lineWidth: 0 }), preview: toYamlStream(renderKustomization(manifestsDir(ctx), k)) }],
    argv: kubectl(ctx, 'apply', '-k', '{{workdir}}'),
    creates: namespaceResource(ctx, ns, forwardingRulesWait(ctx)),
    hint: `check the manifests with \`kubectl kustomize\` on the directory named above; a "no matches for kind PeerAuthentication" error means the mesh is not installed yet (run the same deploy again once it is ACTIVE)`,
  };
}

function waitAttempts(ctx: DeployContext): { attempts: number; delayMs: number } {
  const delayMs = ctx.options.waitIntervalS * 1000;
  const attempts = delayMs === 0 ? 3 : Math.max(1, Math.ceil(ctx.options.waitTimeoutS / ctx.options.waitIntervalS));
  return { attempts, delayMs };
}

export function rolloutSteps(ctx: DeployContext, deployments: readonly string[] = GKE_DEPLOYMENTS): Step[] {
  return deployments.map((dep) => ({
    id: `gke.rollout.${dep}`,
    description: `wait for deployment/${dep} to be rolled out`,
    argv: kubectl(ctx, 'rollout', 'status', `deployment/${dep}`, '-n', DEFAULTS.namespace, `--timeout=${ctx.options.waitTimeoutS}s`),
    hint: `not ready within ${ctx.options.waitTimeoutS} s: look at \`kubectl get pods -n ${DEFAULTS.namespace} --context ${kubeContext(ctx.project, ctx.region, ctx.options.cluster)}\` and \`kubectl describe pods -n ${DEFAULTS.namespace}\` (Autopilot may still be adding nodes: run the same deploy again, or raise --wait-timeout-s)`,
  }));
}

export function loadBalancerStep(ctx: DeployContext, service: 'ping' | 'ping-internal'): Step {
  const internal = service === 'ping-internal';
  return {
    id: `gke.lb.${service}`,
    description: `wait for the ${internal ? 'internal ' : ''}load balancer address of service/${service}`,
    argv: kubectl(ctx, 'get', 'service', service, '-n', DEFAULTS.namespace, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'),
    wait: {
      ...waitAttempts(ctx),
      until: (stdout) => /^[0-9a-f.:]+$/i.test(stdout),
      timeoutHint: `no address yet for service/${service}: \`kubectl describe service ${service} -n ${DEFAULTS.namespace}\` shows the load balancer events; provisioning usually takes 1–3 minutes, run the same deploy again (finished steps are skipped) or raise --wait-timeout-s`,
    },
    capture: internal ? INTERNAL_LB_IP_VAR : LB_IP_VAR,
  };
}

/** True when the fleet's mesh status says our membership's managed control plane is ACTIVE. */
export function meshIsActive(stdout: string, cluster: string): boolean {
  try {
    const doc = JSON.parse(stdout) as { membershipStates?: Record<string, { servicemesh?: { controlPlaneManagement?: { state?: string } } }> };
    return Object.entries(doc.membershipStates ?? {}).some(
      ([key, value]) => key.endsWith(`/memberships/${cluster}`) && value.servicemesh?.controlPlaneManagement?.state === 'ACTIVE',
    );
  } catch {
    return false;
  }
}

function meshSteps(ctx: DeployContext, mesh: MeshMode): Step[] {
  const { project, region } = ctx;
  const cluster = ctx.options.cluster;
  if (mesh === 'none') return [];
  if (mesh === 'ambient') {
    // Istio's GKE platform prerequisite: pods of priority system-node-critical (istio-cni, ztunnel) need a quota.
    const quota = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } },
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'gcp-critical-pods', namespace: 'istio-system' },
        spec: { hard: { pods: '1000' }, scopeSelector: { matchExpressions: [{ operator: 'In', scopeName: 'PriorityClass', values: ['system-node-critical'] }] } },
      },
    ];
    return [
      {
        id: 'gke.istio-system-quota',
        description: 'create istio-system with the quota GKE needs for node-critical Istio pods (istio-cni, ztunnel)',
        files: [{ fileName: 'istio-system.yaml', text: quota.map((o) => stringify(o)).join('---\n') }],
        argv: kubectl(ctx, 'apply', '-f', '{{manifest}}'),
      },
      {
        id: 'gke.istio-ambient',
        description: 'install Istio in ambient mode (istiod, istio-cni, ztunnel) with istioctl',
        probe: kubectl(ctx, 'get', 'daemonset', 'ztunnel', '-n', 'istio-system'),
        argv: ['istioctl', 'install', '--set', 'profile=ambient', '--set', 'values.global.platform=gke', '--skip-confirmation', '--context', kubeContext(project, region, cluster)],
        hint: 'install istioctl 1.24 or newer (https://istio.io/latest/docs/setup/getting-started/#download); `istioctl x precheck` names what the cluster lacks',
      },
    ];
  }
  if (ctx.options.asmcli) {
    return [
      {
        id: 'gke.asmcli',
        description: 'install managed Anthos Service Mesh with asmcli (the post\'s way; the fleet API is the current one)',
        argv: ['asmcli', 'install', '--project_id', project, '--cluster_name', cluster, '--cluster_location', region, '--enable_all', '--managed', '--ca', 'mesh_ca'],
        hint: 'asmcli needs jq, kpt and a kubeconfig for the cluster; newer mesh versions are installed with the fleet API instead (deploy without --asmcli)',
      },
    ];
  }
  return [
    {
      id: 'gke.fleet-membership',
      description: `register cluster ${cluster} to the fleet of ${project}`,
      probe: ['gcloud', 'container', 'fleet', 'memberships', 'describe', cluster, '--location', region, '--project', project],
      argv: ['gcloud', 'container', 'clusters', 'update', cluster, ...clusterLocation(ctx), `--fleet-project=${project}`],
      creates: {
        platform: 'gke',
        kind: 'fleet-membership',
        name: cluster,
        // The membership is regional: without --location gcloud looks in `global` and answers NOT_FOUND.
        deleteArgv: ['gcloud', 'container', 'fleet', 'memberships', 'unregister', cluster, '--location', region, `--gke-cluster=${region}/${cluster}`, '--project', project, '--quiet'],
      },
    },
    {
      id: 'gke.mesh-feature',
      description: 'enable the Service Mesh feature of the fleet',
      probe: ['gcloud', 'container', 'fleet', 'mesh', 'describe', '--project', project, '--format=value(name)'],
      argv: ['gcloud', 'container', 'fleet', 'mesh', 'enable', '--project', project],
    },
    {
      id: 'gke.mesh-management',
      description: `turn on automatic (Google-managed) control plane management for ${cluster}`,
      argv: ['gcloud', 'container', 'fleet', 'mesh', 'update', '--management', 'automatic', '--memberships', cluster, '--location', region, '--project', project],
    },
    {
      id: 'gke.mesh-ready',
      description: 'wait until the managed control plane is ACTIVE',
      argv: ['gcloud', 'container', 'fleet', 'mesh', 'describe', '--project', project, '--format=json'],
      wait: {
        ...waitAttempts(ctx),
        until: (stdout) => meshIsActive(stdout, cluster),
        timeoutHint: '`gcloud container fleet mesh describe` shows the provisioning state; it can take 10 minutes. Run the same deploy again later (finished steps are skipped)',
      },
    },
  ];
}

/** The allow-list entries deploy:cross added to GKE ping (kept when GKE is deployed again). */
export function crossWiringForGke(ctx: DeployContext): GkeWiring {
  return { extraTargets: ctx.state.cross?.gkeTargets ?? {}, internalLb: Boolean(ctx.state.cross && ctx.state.cloudrun?.vpcEgress) };
}

/** Deploying another mesh or cluster mode onto a live cluster: refused (a second control plane, or ambient on Autopilot). */
export class MeshSwitchError extends UsageError {
  override name = 'MeshSwitchError';
}

/**
 * Refuses to change the mesh or the cluster mode of a cluster this state created: installing istiod beside the
 * managed Cloud Service Mesh (or the other way round) leaves two control planes, which the managed mesh does not
 * support, and a cluster cannot change between Autopilot and Standard. The old mesh is not removed for you:
 * the only clean way back is a new cluster.
 */
export function refuseSwitch(state: DeployState, options: DeployContext['options']): void {
  const previous = state.gke;
  const ours = (name: string) => state.created.some((r) => r.platform === 'gke' && r.kind === 'cluster' && r.name === name);
  if (!previous || !ours(previous.cluster)) return;
  if (previous.cluster !== options.cluster) {
    throw new MeshSwitchError(
      `this deploy state already tracks cluster ${previous.cluster}; a second cluster (${options.cluster}) needs its own state dir: \`S2S_STATE_DIR=.s2s-${options.cluster} npm run deploy:gke -- --cluster ${options.cluster} …\``,
    );
  }
  const was = `${previous.clusterMode} cluster ${previous.cluster} runs --mesh ${previous.mesh}`;
  const next = `another cluster: \`npm run teardown:gke\` first, or a second deploy with \`S2S_STATE_DIR=.s2s-${options.mesh} npm run deploy:gke -- --cluster s2s-${options.mesh} …\``;
  if (previous.mesh !== options.mesh) {
    throw new MeshSwitchError(`refusing to switch --mesh ${previous.mesh} to --mesh ${options.mesh}: the ${was}, and installing a second mesh beside it leaves two control planes (the old one is not removed). Use ${next}`);
  }
  if (previous.clusterMode !== options.clusterMode) {
    throw new MeshSwitchError(`refusing --cluster-mode ${options.clusterMode}: the ${was}, and a cluster cannot change mode. Use ${next}`);
  }
}

function clusterSteps(ctx: DeployContext, fleet: boolean): Step[] {
  const { project } = ctx;
  const { cluster, clusterMode } = ctx.options;
  const nodeSa = nodeServiceAccount(project);
  const fleetFlag = fleet ? [`--fleet-project=${project}`] : [];
  const create =
    clusterMode === 'autopilot'
      ? ['gcloud', 'container', 'clusters', 'create-auto', cluster, ...clusterLocation(ctx), `--service-account=${nodeSa}`, ...fleetFlag]
      : [
          'gcloud', 'container', 'clusters', 'create', cluster, ...clusterLocation(ctx), `--machine-type=${ctx.options.machineType}`,
          `--num-nodes=${DEFAULTS.nodesPerZone}`, '--disk-size=50', '--release-channel=regular', `--workload-pool=${project}.svc.id.goog`,
          '--addons=GcsFuseCsiDriver', `--service-account=${nodeSa}`, ...fleetFlag,
        ];
  const modeText = clusterMode === 'autopilot' ? 'Autopilot' : `Standard (${DEFAULTS.nodesPerZone} ${ctx.options.machineType} node per zone of ${ctx.region}, Workload Identity, Cloud Storage FUSE)`;
  return [
    serviceAccountStep('gke.node-sa', 'gke', 's2s-nodes', 's2s-latency GKE nodes', 'the identity of the cluster nodes', project),
    projectRoleStep('gke.node-sa.role', 'gke', nodeSa, 'roles/container.defaultNodeServiceAccount', 'logs and metrics of the nodes', ctx),
    repositoryRoleStep('gke.node-sa.pull', nodeSa, 'roles/artifactregistry.reader', 'the nodes pull the image', ctx),
    {
      id: 'gke.cluster',
      description: `create the GKE ${modeText} cluster ${cluster} in ${ctx.region} (takes ~10 minutes; an existing one is reused)`,
      probe: ['gcloud', 'container', 'clusters', 'describe', cluster, ...clusterLocation(ctx), '--format=value(name)'],
      argv: create,
      creates: { platform: 'gke', kind: 'cluster', name: cluster, confirm: true, deleteArgv: ['gcloud', 'container', 'clusters', 'delete', cluster, ...clusterLocation(ctx), '--quiet'] },
      hint: 'cluster creation needs roles/container.admin, roles/iam.serviceAccountUser (nodes run as s2s-nodes) and regional CPU quota; run the same deploy again to resume',
    },
    {
      id: 'gke.cluster-mode',
      description: `check that cluster ${cluster} is ${clusterMode === 'autopilot' ? 'Autopilot' : 'Standard'} (a reused cluster keeps its mode)`,
      argv: ['gcloud', 'container', 'clusters', 'describe', cluster, ...clusterLocation(ctx), '--format=value(autopilot.enabled)'],
      expect: {
        test: (stdout) => (stdout.toLowerCase() === 'true') === (clusterMode === 'autopilot'),
        message: (stdout) =>
          stdout.toLowerCase() === 'true'
            ? ctx.options.mesh === 'ambient'
              ? `cluster ${cluster} is Autopilot: ${AMBIENT_ON_AUTOPILOT.replace(/^--mesh ambient needs --cluster-mode standard: /, 'ambient cannot run there, ')}; deploy ambient with another --cluster`
              : `cluster ${cluster} is Autopilot, not the --cluster-mode ${clusterMode} asked for: use another --cluster, or --cluster-mode autopilot`
            : `cluster ${cluster} is a Standard cluster, not the --cluster-mode ${clusterMode} asked for: use another --cluster, or --cluster-mode standard`,
      },
    },
    {
      id: 'gke.credentials',
      description: `get kubectl credentials (context ${kubeContext(project, ctx.region, cluster)})`,
      argv: credentialsArgv(ctx),
      hint: 'kubectl on GKE also needs gke-gcloud-auth-plugin: `gcloud components install gke-gcloud-auth-plugin`',
    },
  ];
}

export const PROJECT_NUMBER_VAR = 'project.number';

/**
 * What `npm run distributed` needs in the cluster: the results bucket, the runners' namespace and Kubernetes
 * service account, and that account's Workload Identity access to the bucket (a direct principal binding: no
 * Google service account, no key).
 */
function distributedSteps(ctx: DeployContext): Step[] {
  const { project } = ctx;
  const bucket = resultsBucket(project);
  const ns = DEFAULTS.runnerNamespace;
  const ksa = DEFAULTS.runnerServiceAccount;
  const labels = { 'app.kubernetes.io/part-of': 's2s-latency', 'app.kubernetes.io/component': 'k6-runner' };
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: ksa, namespace: ns, labels } },
  ];
  const principal = `principal://iam.googleapis.com/projects/{{${PROJECT_NUMBER_VAR}}}/locations/global/workloadIdentityPools/${project}.svc.id.goog/subject/ns/${ns}/sa/${ksa}`;
  return [
    {
      id: 'gke.project-number',
      description: `read the project number of ${project} (Workload Identity principals name it)`,
      argv: ['gcloud', 'projects', 'describe', project, '--format=value(projectNumber)'],
      capture: PROJECT_NUMBER_VAR,
    },
    bucketStep('gke.results-bucket', 'gke', bucket, 'each k6 runner writes its --out json there', ctx),
    {
      id: 'gke.runner-namespace',
      description: `create namespace ${ns} and the runners' Kubernetes service account ${ksa}`,
      probe: kubectl(ctx, 'get', 'namespace', ns),
      whenPresent: 'run',
      files: [{ fileName: 'runners.yaml', text: toYamlStream(objects as K8sObject[]) }],
      argv: kubectl(ctx, 'apply', '-f', '{{manifest}}'),
      creates: namespaceResource(ctx, ns),
    },
    bucketRoleStep('gke.results-bucket.runners', bucket, principal, 'roles/storage.objectUser', `Workload Identity: pods of ${ns} running as ${ksa} read and write the results`, ctx),
  ];
}

export const SMOKE_VARS = Object.freeze({ pods: 'gke.smoke.pods', probe: 'gke.smoke.probe', result: 'gke.smoke' });

/** The smoke check: a pod in the mesh under another identity is refused by pong-sec, ping is not, and the data plane is what the mode says. */
export function smokeSteps(ctx: DeployContext, mesh: MeshMode): Step[] {
  const ns = DEFAULTS.namespace;
  const pingUrl = `http://{{${LB_IP_VAR}}}`;
  const retry = { attempts: 6, delayMs: ctx.options.waitIntervalS * 1000 };
  const check: Step = {
    id: 'gke.smoke',
    description: mesh === 'none' ? 'smoke check: ping reaches pong-sec, which has no security layer (--mesh none)' : `smoke check: pong-sec refuses ${SMOKE_NAME}, lets ping (ping-sa) in; ${mesh === 'sidecar' ? 'every pod has a sidecar' : 'no pod has a sidecar'}`,
    argv: [],
    local: {
      describe: [
        `GET ${pingUrl}/ping?target=pong-sec&count=1 → expect pong-sec to answer 200 to ping (Kubernetes service account ping-sa)`,
        ...(mesh === 'none'
          ? ['report: pong-sec has no security layer (the no-mesh baseline)']
          : [
              mesh === 'sidecar' ? `read {{${SMOKE_VARS.probe}}}: pong-unsec → 200, pong-sec → 403 (AuthorizationPolicy)` : `read {{${SMOKE_VARS.probe}}}: pong-unsec → 200, pong-sec → connection closed by ztunnel (L4 policy, no waypoint)`,
              mesh === 'sidecar' ? `read {{${SMOKE_VARS.pods}}}: every pod has istio-proxy` : `read {{${SMOKE_VARS.pods}}}: no pod has istio-proxy, each has ambient.istio.io/redirection=enabled`,
            ]),
        'the verdict is saved in the state; a failed one stops every scenario',
      ],
      run: async (vars) => {
        const result = await gkeSmoke(
          { mesh, pingUrl: `http://${vars[LB_IP_VAR] ?? ''}`, ...(mesh === 'none' ? {} : { podsJson: vars[SMOKE_VARS.pods] ?? '', probeJson: vars[SMOKE_VARS.probe] ?? '' }) },
          { ...retry, ...(ctx.smokeIo ?? {}) },
        );
        return JSON.stringify(result);
      },
    },
    capture: SMOKE_VARS.result,
  };
  if (mesh === 'none') return [check];
  const pod = `pod/${SMOKE_NAME}`;
  return [
    {
      id: 'gke.smoke.clean',
      description: `remove a smoke pod left by an earlier deploy (a pod's image cannot change)`,
      argv: kubectl(ctx, 'delete', 'pod', SMOKE_NAME, '-n', ns, '--ignore-not-found', '--wait=true', `--timeout=${ctx.options.waitTimeoutS}s`),
    },
    {
      id: 'gke.smoke.pod',
      description: `start the smoke pod ${SMOKE_NAME} in namespace ${ns} (in the mesh, Kubernetes service account ${SMOKE_NAME}, not ping-sa)`,
      files: [{ fileName: 'smoke.yaml', text: smokePodManifest(ns, ctx.image) }],
      argv: kubectl(ctx, 'apply', '-f', '{{manifest}}'),
    },
    {
      id: 'gke.smoke.ready',
      description: `wait for the smoke pod to be ready`,
      argv: kubectl(ctx, 'wait', '--for=condition=Ready', pod, '-n', ns, `--timeout=${ctx.options.waitTimeoutS}s`),
      hint: `\`kubectl describe ${pod} -n ${ns}\` shows why it is not ready (Autopilot may be adding a node)`,
    },
    {
      id: 'gke.smoke.pods',
      description: `read the pods of namespace ${ns} (which containers each has)`,
      argv: kubectl(ctx, 'get', 'pods', '-n', ns, '-o', 'json'),
      capture: SMOKE_VARS.pods,
    },
    {
      id: 'gke.smoke.probe',
      description: `from the smoke pod: GET pong-unsec and pong-sec`,
      argv: kubectl(ctx, 'exec', SMOKE_NAME, '-n', ns, '-c', 'app', '--', IMAGE_NODE, '-e', smokeProbeScript(ns)),
      capture: SMOKE_VARS.probe,
    },
    check,
    {
      id: 'gke.smoke.done',
      description: 'delete the smoke pod (its service account stays with the namespace)',
      argv: kubectl(ctx, 'delete', 'pod', SMOKE_NAME, '-n', ns, '--ignore-not-found', '--wait=false'),
    },
  ];
}

export function gkePlan(ctx: DeployContext): Plan {
  const { project, region } = ctx;
  const cluster = ctx.options.cluster;
  const mesh = ctx.options.mesh;
  refuseSwitch(ctx.state, ctx.options);
  const fleet = mesh === 'sidecar' && !ctx.options.asmcli;
  const apis = ['container.googleapis.com', 'compute.googleapis.com', 'artifactregistry.googleapis.com', 'cloudbuild.googleapis.com', 'iam.googleapis.com', 'storage.googleapis.com'];
  if (mesh === 'sidecar') apis.push('gkehub.googleapis.com', 'mesh.googleapis.com');
  const distributed = ctx.options.distributed || Boolean(ctx.state.gke?.distributed);
  const steps: Step[] = [
    enableApisStep('gke.apis', project, apis),
    ...imageSteps(ctx),
    ...clusterSteps(ctx, fleet),
    ...meshSteps(ctx, mesh),
    applyManifestsStep(ctx, mesh, crossWiringForGke(ctx)),
    ...rolloutSteps(ctx),
    loadBalancerStep(ctx, 'ping'),
    ...(distributed ? distributedSteps(ctx) : []),
    ...smokeSteps(ctx, mesh),
  ];
  const mode = ctx.options.clusterMode === 'autopilot' ? 'Autopilot' : `Standard (${ctx.options.machineType})`;
  return { title: `GKE ${mode} deploy to project ${project}, region ${region}, cluster ${cluster}, mesh ${mesh}${ctx.options.asmcli ? ' (asmcli)' : ''} (image ${ctx.image})`, steps };
}

export function gkeStateFrom(ctx: DeployContext, vars: Record<string, string>, complete = true): GkeState {
  const ip = vars[LB_IP_VAR];
  const mesh = ctx.options.mesh;
  const distributed = ctx.options.distributed || Boolean(ctx.state.gke?.distributed);
  return {
    cluster: ctx.options.cluster,
    namespace: DEFAULTS.namespace,
    mesh,
    meshInstall: mesh === 'none' ? 'none' : mesh === 'ambient' ? 'istioctl' : ctx.options.asmcli ? 'asmcli' : 'fleet',
    clusterMode: ctx.options.clusterMode,
    machineType: ctx.options.clusterMode === 'standard' ? ctx.options.machineType : null,
    distributed: distributed ? { bucket: resultsBucket(ctx.project), namespace: DEFAULTS.runnerNamespace, serviceAccount: DEFAULTS.runnerServiceAccount } : null,
    pingUrl: ip ? `http://${ip}` : null,
    pingInternalUrl: ctx.state.gke?.pingInternalUrl ?? null,
    cpu: ctx.options.cpu,
    memory: ctx.options.memory,
    image: ctx.image,
    complete,
    smoke: complete ? smokeFrom(vars, SMOKE_VARS.result) : null,
  };
}

/** GKE's "unsecured" pong still goes through mesh mTLS (only authorization differs); without a mesh, nothing. */
export function gkeAuth(mesh: MeshMode): 'mesh-mtls' | 'none' {
  return mesh === 'none' ? 'none' : 'mesh-mtls';
}

export function gkePairs(gke: GkeState): MeasuredPair[] {
  const auth = gkeAuth(gke.mesh);
  return (['pong-sec', 'pong-unsec'] as const).map((target) => ({
    source: 'gke',
    target,
    targetUrl: IN_CLUSTER_TARGETS[target] ?? '',
    targetPlatform: 'gke',
    auth,
    pingAuth: 'none' as const,
  }));
}

export function gkeSettings(project: string, region: string, gke: GkeState): ResolvedPlatform['settings'] {
  return {
    project,
    region,
    cluster: gke.cluster,
    clusterMode: gke.clusterMode,
    machineType: gke.machineType,
    mesh: gke.mesh,
    meshInstall: gke.meshInstall,
    cpu: gke.cpu,
    memory: gke.memory,
    image: gke.image,
  };
}
