// Cloud Run: the deploy plan (service account, image, pong-sec with an invoker binding for ping-sa only,
// pong-unsec open to allUsers, ping with the pong URLs) from deploy/cloudrun/*.yaml, and what the runner measures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { DeployContext } from './deploy/context.ts';
import { enableApisStep, imageSteps, pingServiceAccount, REPO_ROOT } from './deploy/context.ts';
import { DEFAULTS } from './deploy/options.ts';
import type { Plan, Step } from './deploy/plan.ts';
import type { CloudRunState } from './deploy/state.ts';
import type { MeasuredPair, ResolvedPlatform } from './types.ts';

export type CloudRunRole = 'ping' | 'pong-sec' | 'pong-unsec';

export const CLOUDRUN_SERVICES: Record<CloudRunRole, string> = {
  ping: 'latency-ping',
  'pong-sec': 'latency-pong-sec',
  'pong-unsec': 'latency-pong-unsec',
};

export const CLOUDRUN_APIS = ['run.googleapis.com', 'artifactregistry.googleapis.com', 'cloudbuild.googleapis.com', 'iam.googleapis.com'];

/** Placeholder a later step fills with the URL of a service deployed by an earlier step. */
export const urlVar = (role: CloudRunRole) => `cloudrun.url.${role}`;

interface KnativeService {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    template: {
      metadata: { annotations: Record<string, string> };
      spec: {
        serviceAccountName?: string;
        containers: Array<{ image: string; env?: Array<{ name: string; value: string }>; resources: { limits: Record<string, string> } }>;
      };
    };
  };
}

/** `name=url,…` as app/config.ts parses PING_TARGETS. */
export function formatTargets(targets: Record<string, string>): string {
  return Object.entries(targets).map(([name, url]) => `${name}=${url}`).join(',');
}

/**
 * The Knative Service YAML for one role, from its template in deploy/cloudrun/. `extraTargets` are the
 * cross-platform entries added to ping's allow-list (name → URL).
 */
export function cloudRunManifest(role: CloudRunRole, ctx: DeployContext, extraTargets: Record<string, string> = {}): string {
  const template = readFileSync(join(REPO_ROOT, 'deploy', 'cloudrun', `${role}.yaml`), 'utf8');
  const svc = parse(template) as KnativeService;
  const { options } = ctx;
  svc.metadata.labels['cloud.googleapis.com/location'] = ctx.region;
  const annotations = svc.spec.template.metadata.annotations;
  annotations['autoscaling.knative.dev/minScale'] = String(DEFAULTS.minInstances);
  const container = svc.spec.template.spec.containers[0]!;
  container.image = ctx.image;
  container.resources.limits = { cpu: options.cpu, memory: options.memory };
  if (role === 'ping') {
    svc.metadata.annotations['run.googleapis.com/ingress'] = options.pingIngress;
    svc.spec.template.spec.serviceAccountName = pingServiceAccount(ctx.project);
    if (options.vpcEgress) {
      const [network, subnetwork] = options.vpcEgress.split('/');
      // Direct VPC egress: only private ranges go through the VPC, so calls to *.run.app stay on Google's edge.
      annotations['run.googleapis.com/network-interfaces'] = JSON.stringify([{ network, subnetwork }]);
      annotations['run.googleapis.com/vpc-access-egress'] = 'private-ranges-only';
    }
    const targets = {
      'pong-sec': `{{${urlVar('pong-sec')}}}`,
      'pong-unsec': `{{${urlVar('pong-unsec')}}}`,
      ...extraTargets,
    };
    for (const env of container.env ?? []) if (env.name === 'PING_TARGETS') env.value = formatTargets(targets);
  }
  return stringify(svc, { lineWidth: 0 });
}

function location(ctx: DeployContext): string[] {
  return ['--region', ctx.region, '--project', ctx.project];
}

/** Deploys one service from its YAML; `services replace` is itself idempotent, so it always runs. */
export function replaceServiceStep(role: CloudRunRole, ctx: DeployContext, extraTargets: Record<string, string> = {}): Step {
  const name = CLOUDRUN_SERVICES[role];
  return {
    id: `cloudrun.service.${name}`,
    description: `deploy ${name} (Knative Service YAML, min instances 1, CPU always allocated, ${ctx.options.cpu} vCPU / ${ctx.options.memory})`,
    probe: ['gcloud', 'run', 'services', 'describe', name, ...location(ctx), '--format=value(metadata.name)'],
    whenPresent: 'run',
    files: [{ fileName: `${name}.yaml`, text: cloudRunManifest(role, ctx, extraTargets) }],
    argv: ['gcloud', 'run', 'services', 'replace', '{{manifest}}', ...location(ctx)],
    creates: { platform: 'cloudrun', kind: 'run-service', name, deleteArgv: ['gcloud', 'run', 'services', 'delete', name, ...location(ctx), '--quiet'] },
  };
}

export function urlStep(role: CloudRunRole, ctx: DeployContext): Step {
  const name = CLOUDRUN_SERVICES[role];
  return {
    id: `cloudrun.url.${name}`,
    description: `read the URL of ${name}`,
    argv: ['gcloud', 'run', 'services', 'describe', name, ...location(ctx), '--format=value(status.url)'],
    capture: urlVar(role),
  };
}

function invokerStep(role: CloudRunRole, member: string, ctx: DeployContext): Step {
  const name = CLOUDRUN_SERVICES[role];
  return {
    id: `cloudrun.invoker.${name}`,
    description: `grant roles/run.invoker on ${name} to ${member}`,
    argv: ['gcloud', 'run', 'services', 'add-iam-policy-binding', name, `--member=${member}`, '--role=roles/run.invoker', ...location(ctx)],
  };
}

/** The allow-list entries deploy:cross added to Cloud Run ping (kept when Cloud Run is deployed again). */
export function crossTargetsForCloudRun(ctx: DeployContext): Record<string, string> {
  return ctx.state.cross?.cloudrunTargets ?? {};
}

export function cloudRunPlan(ctx: DeployContext): Plan {
  const sa = pingServiceAccount(ctx.project);
  const steps: Step[] = [
    enableApisStep('cloudrun.apis', ctx.project, CLOUDRUN_APIS),
    {
      id: 'cloudrun.service-account',
      description: `create the service account ping-sa (${sa}), the identity ping calls pong-sec with`,
      probe: ['gcloud', 'iam', 'service-accounts', 'describe', sa, '--project', ctx.project],
      argv: ['gcloud', 'iam', 'service-accounts', 'create', 'ping-sa', '--display-name=s2s-latency ping', '--project', ctx.project],
      creates: { platform: 'cloudrun', kind: 'service-account', name: sa, deleteArgv: ['gcloud', 'iam', 'service-accounts', 'delete', sa, '--project', ctx.project, '--quiet'] },
    },
    ...imageSteps(ctx),
    replaceServiceStep('pong-sec', ctx),
    invokerStep('pong-sec', `serviceAccount:${sa}`, ctx),
    replaceServiceStep('pong-unsec', ctx),
    invokerStep('pong-unsec', 'allUsers', ctx),
    urlStep('pong-sec', ctx),
    urlStep('pong-unsec', ctx),
    replaceServiceStep('ping', ctx, crossTargetsForCloudRun(ctx)),
  ];
  if (!ctx.options.pingPrivate) steps.push(invokerStep('ping', 'allUsers', ctx));
  steps.push(urlStep('ping', ctx));
  return { title: `Cloud Run deploy to project ${ctx.project}, region ${ctx.region} (image ${ctx.image})`, steps };
}

/** The state written after a successful deploy. */
export function cloudRunStateFrom(ctx: DeployContext, vars: Record<string, string>): CloudRunState {
  const urls: Record<string, string> = {};
  for (const role of Object.keys(CLOUDRUN_SERVICES) as CloudRunRole[]) {
    const url = vars[urlVar(role)];
    if (url) urls[role] = url;
  }
  return {
    urls,
    pingIngress: ctx.options.pingIngress,
    pingPrivate: ctx.options.pingPrivate,
    vpcEgress: ctx.options.vpcEgress,
    cpu: ctx.options.cpu,
    memory: ctx.options.memory,
    minInstances: DEFAULTS.minInstances,
    image: ctx.image,
    complete: true,
  };
}

/** The pairs Cloud Run ping measures: pong-sec through Cloud Run's IAM check, pong-unsec with no check. */
export function cloudRunPairs(cr: CloudRunState): MeasuredPair[] {
  return [
    { source: 'cloudrun', target: 'pong-sec', targetUrl: cr.urls['pong-sec'] ?? '', targetPlatform: 'cloudrun', auth: 'id-token', pingAuth: 'id-token' },
    { source: 'cloudrun', target: 'pong-unsec', targetUrl: cr.urls['pong-unsec'] ?? '', targetPlatform: 'cloudrun', auth: 'none', pingAuth: 'none' },
  ];
}

export function cloudRunSettings(project: string, region: string, cr: CloudRunState): ResolvedPlatform['settings'] {
  return {
    project,
    region,
    cpu: cr.cpu,
    memory: cr.memory,
    minInstances: cr.minInstances,
    cpuAlwaysAllocated: true,
    pingIngress: cr.pingIngress,
    pingPrivate: cr.pingPrivate,
    vpcEgress: cr.vpcEgress,
    image: cr.image,
  };
}
