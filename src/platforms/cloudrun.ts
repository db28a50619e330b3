// Cloud Run: the deploy plan (service account, image, pong-sec with an invoker binding for ping-sa only,
// pong-unsec open to allUsers, ping with the pong URLs) from deploy/cloudrun/*.yaml, and what the runner measures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { DeployContext } from './deploy/context.ts';
import { enableApisStep, IAM_ATTEMPTS, imageSteps, pingServiceAccount, REPO_ROOT, serviceAccountEmail, serviceAccountStep } from './deploy/context.ts';
import { DEFAULTS } from './deploy/options.ts';
import type { Plan, Step } from './deploy/plan.ts';
import type { CloudRunState } from './deploy/state.ts';
import { cloudRunSmoke, memberFor, SMOKE_NAME, smokeFrom } from './smoke.ts';
import type { MeasuredPair, ResolvedPlatform } from './types.ts';

export type CloudRunRole = 'ping' | 'pong-sec' | 'pong-unsec';

export const CLOUDRUN_SERVICES: Record<CloudRunRole, string> = {
  ping: 'latency-ping',
  'pong-sec': 'latency-pong-sec',
  'pong-unsec': 'latency-pong-unsec',
};

// iamcredentials: the smoke check mints an ID token of s2s-smoke by impersonation.
export const CLOUDRUN_APIS = ['run.googleapis.com', 'artifactregistry.googleapis.com', 'cloudbuild.googleapis.com', 'iam.googleapis.com', 'iamcredentials.googleapis.com', 'storage.googleapis.com'];

export const SMOKE_VAR = 'cloudrun.smoke';
const SMOKE_TOKEN_VAR = 'cloudrun.smoke.token';
const DEPLOYER_VAR = 'deployer.member';

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

/**
 * The smoke check's identity: a service account with no role at all, so a 403 from pong-sec proves the invoker
 * check (the deployer's own Owner/Editor identity would pass and prove nothing). The deployer gets
 * roles/iam.serviceAccountTokenCreator on this one account to mint its ID token.
 */
function smokeAccountSteps(ctx: DeployContext): Step[] {
  const email = serviceAccountEmail(SMOKE_NAME, ctx.project);
  return [
    serviceAccountStep('cloudrun.smoke-sa', 'cloudrun', SMOKE_NAME, 's2s-latency smoke check (no roles)', 'a caller with no role that pong-sec must refuse', ctx.project),
    {
      id: 'cloudrun.deployer',
      description: 'read the account gcloud deploys as (it gets the right to mint s2s-smoke tokens)',
      argv: ['gcloud', 'config', 'get-value', 'account'],
      capture: DEPLOYER_VAR,
      transform: memberFor,
    },
    {
      id: 'cloudrun.smoke-sa.token-creator',
      description: `grant roles/iam.serviceAccountTokenCreator on ${email} (only) to the deploying account`,
      argv: ['gcloud', 'iam', 'service-accounts', 'add-iam-policy-binding', email, `--member={{${DEPLOYER_VAR}}}`, '--role=roles/iam.serviceAccountTokenCreator', '--project', ctx.project, '--format=none'],
      wait: {
        attempts: IAM_ATTEMPTS,
        delayMs: ctx.options.waitIntervalS * 1000,
        until: () => true,
        timeoutHint: `granting the token creator role on ${email} kept failing: it needs roles/iam.serviceAccountAdmin; a new account can take a minute to be visible, run the same deploy again`,
      },
    },
  ];
}

/** Mints s2s-smoke's token (retried: the token creator grant can lag), then checks pong-sec refuses it and lets ping in. */
function smokeCheckSteps(ctx: DeployContext): Step[] {
  const email = serviceAccountEmail(SMOKE_NAME, ctx.project);
  const retry = { attempts: IAM_ATTEMPTS, delayMs: ctx.options.waitIntervalS * 1000 };
  return [
    {
      id: 'cloudrun.smoke.token',
      description: `mint an ID token of ${SMOKE_NAME} for pong-sec (impersonation; kept in memory only)`,
      argv: ['gcloud', 'auth', 'print-identity-token', `--impersonate-service-account=${email}`, `--audiences={{${urlVar('pong-sec')}}}`, '--include-email', '--verbosity=error'],
      wait: {
        ...retry,
        until: (stdout) => stdout.length > 0,
        timeoutHint: `no ID token for ${email}: you need roles/iam.serviceAccountTokenCreator on it (deploy grants it; it can take a minute to apply) and the IAM Service Account Credentials API; run the same deploy again`,
      },
      capture: SMOKE_TOKEN_VAR,
      secret: true,
    },
    {
      id: 'cloudrun.smoke',
      description: 'smoke check: pong-sec refuses s2s-smoke and anonymous callers (403) and lets ping (ping-sa) in',
      argv: [],
      local: {
        describe: [
          `GET {{${urlVar('pong-sec')}}}/pong with the ${SMOKE_NAME} token → expect 403 (and 401/403 without a token)`,
          ctx.options.pingIngress === 'all'
            ? `GET {{${urlVar('ping')}}}/ping?target=pong-sec&count=1&auth=id-token${ctx.options.pingPrivate ? ' (with your ID token: ping is private)' : ''} → expect pong-sec to answer 200 to ping-sa`
            : 'ping → pong-sec is not checked from here: --ping-ingress internal answers only inside the VPC',
          `retried up to ${retry.attempts}× while IAM settles; the verdict is saved in the state and a failed one stops every scenario`,
        ],
        run: async (vars) => {
          const pingUrl = vars[urlVar('ping')] ?? '';
          const pingReachable = ctx.options.pingIngress === 'all';
          const pingToken = pingReachable && ctx.options.pingPrivate && ctx.tokens ? await ctx.tokens(pingUrl) : null;
          const input = { pingUrl, pongSecUrl: vars[urlVar('pong-sec')] ?? '', smokeToken: vars[SMOKE_TOKEN_VAR] ?? '', pingToken, pingReachable };
          const result = await cloudRunSmoke(input, { ...retry, ...(ctx.smokeIo ?? {}) });
          return JSON.stringify(result);
        },
      },
      capture: SMOKE_VAR,
    },
  ];
}

export function cloudRunPlan(ctx: DeployContext): Plan {
  const sa = pingServiceAccount(ctx.project);
  const steps: Step[] = [
    enableApisStep('cloudrun.apis', ctx.project, CLOUDRUN_APIS),
    serviceAccountStep('cloudrun.service-account', 'cloudrun', 'ping-sa', 's2s-latency ping', 'the identity ping calls pong-sec with', ctx.project),
    ...smokeAccountSteps(ctx),
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
  steps.push(urlStep('ping', ctx), ...smokeCheckSteps(ctx));
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
    smoke: smokeFrom(vars, SMOKE_VAR),
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
