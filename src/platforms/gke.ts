// GKE Autopilot + Istio: the deploy plan (cluster, managed mesh through the fleet API or asmcli, or Istio
// ambient, then `kubectl apply -k` of deploy/gke/overlays/<mesh> with the image set), and what the runner measures.
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { type DeployContext, enableApisStep, imageSteps, REPO_ROOT } from './deploy/context.ts';
import { renderKustomization, toYamlStream, type K8sObject, type Kustomization } from './deploy/kustomize.ts';
import { DEFAULTS } from './deploy/options.ts';
import type { Plan, Step } from './deploy/plan.ts';
import type { GkeState } from './deploy/state.ts';
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
  return ['kubectl', ...args, '--context', kubeContext(ctx.project, ctx.region, ctx.options.cluster)];
}

function clusterLocation(ctx: DeployContext): string[] {
  return ['--location', ctx.region, '--project', ctx.project];
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
    creates: { platform: 'gke', kind: 'namespace', name: ns, deleteArgv: kubectl(ctx, 'delete', 'namespace', ns, '--ignore-not-found', '--wait=false') },
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
        hint: 'install istioctl (https://istio.io/latest/docs/setup/getting-started/#download); on Autopilot, ambient needs a GKE version that allows the Istio CNI (see the README)',
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
        deleteArgv: ['gcloud', 'container', 'fleet', 'memberships', 'unregister', cluster, `--gke-cluster=${region}/${cluster}`, '--project', project, '--quiet'],
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

export function gkePlan(ctx: DeployContext): Plan {
  const { project, region } = ctx;
  const cluster = ctx.options.cluster;
  const mesh = ctx.options.mesh;
  const fleet = mesh === 'sidecar' && !ctx.options.asmcli;
  const apis = ['container.googleapis.com', 'artifactregistry.googleapis.com', 'cloudbuild.googleapis.com'];
  if (mesh === 'sidecar') apis.push('gkehub.googleapis.com', 'mesh.googleapis.com');
  const steps: Step[] = [
    enableApisStep('gke.apis', project, apis),
    ...imageSteps(ctx),
    {
      id: 'gke.cluster',
      description: `create the GKE Autopilot cluster ${cluster} in ${region} (takes ~10 minutes; an existing one is reused)`,
      probe: ['gcloud', 'container', 'clusters', 'describe', cluster, ...clusterLocation(ctx), '--format=value(name)'],
      argv: ['gcloud', 'container', 'clusters', 'create-auto', cluster, ...clusterLocation(ctx), ...(fleet ? [`--fleet-project=${project}`] : [])],
      creates: { platform: 'gke', kind: 'cluster', name: cluster, confirm: true, deleteArgv: ['gcloud', 'container', 'clusters', 'delete', cluster, ...clusterLocation(ctx), '--quiet'] },
      hint: 'cluster creation needs roles/container.admin and regional CPU quota (Autopilot asks for nodes as pods arrive); run the same deploy again to resume',
    },
    {
      id: 'gke.credentials',
      description: `get kubectl credentials (context ${kubeContext(project, region, cluster)})`,
      argv: ['gcloud', 'container', 'clusters', 'get-credentials', cluster, ...clusterLocation(ctx)],
      hint: 'kubectl on GKE also needs gke-gcloud-auth-plugin: `gcloud components install gke-gcloud-auth-plugin`',
    },
    ...meshSteps(ctx, mesh),
    applyManifestsStep(ctx, mesh, crossWiringForGke(ctx)),
  ];
  const previous = ctx.state.gke;
  if (previous?.complete && previous.mesh !== mesh) {
    // Sidecars are injected at pod creation: pods made under the old mode must be recreated.
    steps.push({
      id: 'gke.restart',
      description: `restart the pods: the mesh mode changed from ${previous.mesh} to ${mesh}`,
      argv: kubectl(ctx, 'rollout', 'restart', 'deployment', '-n', DEFAULTS.namespace),
    });
  }
  steps.push(...rolloutSteps(ctx), loadBalancerStep(ctx, 'ping'));
  return { title: `GKE Autopilot deploy to project ${project}, region ${region}, cluster ${cluster}, mesh ${mesh}${ctx.options.asmcli ? ' (asmcli)' : ''} (image ${ctx.image})`, steps };
}

export function gkeStateFrom(ctx: DeployContext, vars: Record<string, string>): GkeState {
  const ip = vars[LB_IP_VAR];
  const mesh = ctx.options.mesh;
  return {
    cluster: ctx.options.cluster,
    namespace: DEFAULTS.namespace,
    mesh,
    meshInstall: mesh === 'none' ? 'none' : mesh === 'ambient' ? 'istioctl' : ctx.options.asmcli ? 'asmcli' : 'fleet',
    pingUrl: ip ? `http://${ip}` : null,
    pingInternalUrl: ctx.state.gke?.pingInternalUrl ?? null,
    cpu: ctx.options.cpu,
    memory: ctx.options.memory,
    image: ctx.image,
    complete: true,
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
    clusterMode: 'autopilot',
    mesh: gke.mesh,
    meshInstall: gke.meshInstall,
    cpu: gke.cpu,
    memory: gke.memory,
    image: gke.image,
  };
}
