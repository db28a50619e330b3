// Cross-platform wiring: GKE ping learns Cloud Run's pong-unsec, Cloud Run ping learns GKE ping's load
// balancer (and, with Direct VPC egress, its internal one), so `scenario:cross` measures both directions.
import { cloudRunManifest, CLOUDRUN_SERVICES, replaceServiceStep, urlVar } from './cloudrun.ts';
import type { DeployContext } from './deploy/context.ts';
import { DEFAULTS, type DeployOptions } from './deploy/options.ts';
import type { Plan, Step } from './deploy/plan.ts';
import type { CrossState, DeployState } from './deploy/state.ts';
import { applyManifestsStep, INTERNAL_LB_IP_VAR, kubeContext, loadBalancerStep, rolloutSteps } from './gke.ts';
import type { DirectTarget, MeasuredPair } from './types.ts';

export class NotDeployedError extends Error {
  override name = 'NotDeployedError';
}

export const CROSS_NAMES = Object.freeze({
  /** Entry on GKE ping's allow-list. */
  cloudrunPongUnsec: 'cloudrun-pong-unsec',
  /** Entries on Cloud Run ping's allow-list. */
  gkePing: 'gke-ping',
  gkePingInternal: 'gke-ping-internal',
});

/** Contexts for each side, with the settings each was deployed with (from the state), not today's flags. */
export function crossContexts(state: DeployState, options: DeployOptions, workRoot: string): { cloudrun: DeployContext; gke: DeployContext } {
  const cr = state.cloudrun;
  const gke = state.gke;
  const where = `--project ${state.project} --region ${state.region}`;
  if (!cr?.complete) throw new NotDeployedError(`deploy:cross needs Cloud Run first: run \`npm run deploy:cloudrun -- ${where}\``);
  if (!gke?.complete || !gke.pingUrl) throw new NotDeployedError(`deploy:cross needs GKE first: run \`npm run deploy:gke -- ${where}\``);
  const base = { project: state.project, region: state.region, state, workRoot };
  return {
    cloudrun: {
      ...base,
      image: cr.image,
      options: { ...options, cpu: cr.cpu as DeployOptions['cpu'], memory: cr.memory, pingIngress: cr.pingIngress, pingPrivate: cr.pingPrivate, vpcEgress: cr.vpcEgress },
    },
    gke: { ...base, image: gke.image, options: { ...options, cpu: gke.cpu as DeployOptions['cpu'], memory: gke.memory, mesh: gke.mesh, clusterMode: gke.clusterMode, cluster: gke.cluster } },
  };
}

/** Initial placeholder values for cross steps: what the earlier deploys discovered. */
export function crossVars(state: DeployState): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [role, url] of Object.entries(state.cloudrun?.urls ?? {})) vars[urlVar(role as keyof typeof CLOUDRUN_SERVICES)] = url;
  return vars;
}

export function crossTargets(state: DeployState): { gkeTargets: Record<string, string>; cloudrunTargets: Record<string, string> } {
  const cr = state.cloudrun!;
  const gke = state.gke!;
  const cloudrunTargets: Record<string, string> = { [CROSS_NAMES.gkePing]: gke.pingUrl! };
  if (cr.vpcEgress) cloudrunTargets[CROSS_NAMES.gkePingInternal] = `http://{{${INTERNAL_LB_IP_VAR}}}`;
  return { gkeTargets: { [CROSS_NAMES.cloudrunPongUnsec]: cr.urls['pong-unsec'] ?? '' }, cloudrunTargets };
}

export function crossPlan(state: DeployState, options: DeployOptions, workRoot: string): Plan {
  const ctx = crossContexts(state, options, workRoot);
  const { gkeTargets, cloudrunTargets } = crossTargets(state);
  const internalLb = Boolean(state.cloudrun?.vpcEgress);
  const steps: Step[] = [
    applyManifestsStep(ctx.gke, ctx.gke.options.mesh, { extraTargets: gkeTargets, internalLb }),
    {
      id: 'cross.restart-gke-ping',
      description: 'restart GKE ping so it reads its new allow-list (ConfigMap ping-config)',
      argv: ['kubectl', 'rollout', 'restart', 'deployment/ping', '-n', DEFAULTS.namespace, '--context', kubeContext(state.project, state.region, ctx.gke.options.cluster)],
    },
    ...rolloutSteps(ctx.gke, ['ping']),
  ];
  if (internalLb) steps.push(loadBalancerStep(ctx.gke, 'ping-internal'));
  steps.push(replaceServiceStep('ping', ctx.cloudrun, cloudrunTargets));
  return { title: `Cross-platform wiring in project ${state.project}, region ${state.region}: GKE ping → Cloud Run pong-unsec, Cloud Run ping → GKE ping`, steps };
}

export function crossStateFrom(state: DeployState, vars: Record<string, string>): CrossState {
  const { gkeTargets, cloudrunTargets } = crossTargets(state);
  const resolved: Record<string, string> = {};
  for (const [name, url] of Object.entries(cloudrunTargets)) resolved[name] = url.replace(`{{${INTERNAL_LB_IP_VAR}}}`, vars[INTERNAL_LB_IP_VAR] ?? '');
  return { gkeTargets, cloudrunTargets: resolved, complete: true };
}

/** Cross pairs: neither hop has an identity check (pong-unsec is open; GKE ping's LB is plain HTTP). */
export function crossPairs(state: DeployState): MeasuredPair[] {
  const cross = state.cross!;
  const pairs: MeasuredPair[] = Object.entries(cross.gkeTargets).map(([target, url]) => ({
    source: 'gke',
    target,
    targetUrl: url,
    targetPlatform: 'cloudrun',
    auth: 'none',
    pingAuth: 'none',
  }));
  for (const [target, url] of Object.entries(cross.cloudrunTargets)) {
    pairs.push({ source: 'cloudrun', target, targetUrl: url, targetPlatform: 'gke', auth: 'none', pingAuth: 'none' });
  }
  return pairs;
}

export function crossDirect(state: DeployState): DirectTarget[] {
  const url = state.gke?.pingUrl;
  return url ? [{ name: CROSS_NAMES.gkePing, url, platform: 'gke', auth: 'none', private: false }] : [];
}

/** Exposed for tests: the Cloud Run ping manifest as cross applies it. */
export function crossCloudRunPingManifest(state: DeployState, options: DeployOptions, workRoot: string): string {
  return cloudRunManifest('ping', crossContexts(state, options, workRoot).cloudrun, crossTargets(state).cloudrunTargets);
}
