// One entry for the scenario runner: where the ping services of a platform are and which pairs to measure.
// `local` starts the embedded platform; the cloud ones read what deploy recorded in the state file.
import { cloudRunPairs, cloudRunSettings } from './cloudrun.ts';
import { crossDirect, crossPairs } from './cross.ts';
import { readState, statePath, type DeployState } from './deploy/state.ts';
import { gkePairs, gkeSettings } from './gke.ts';
import type { LocalPlatformOptions } from './local/index.ts';
import { smokeRefusal } from './smoke.ts';
import type { PingEndpoint, PlatformName, ResolvedPlatform } from './types.ts';

export class PlatformNotDeployedError extends Error {
  override name = 'PlatformNotDeployedError';
}

/** The deploy exists but its smoke check failed (or never ran): measuring it would measure an unproven security layer. */
export class PlatformNotVerifiedError extends PlatformNotDeployedError {
  override name = 'PlatformNotVerifiedError';
}

export interface ResolveOptions {
  /** Where S2S_STATE_DIR is read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Base of the default state dir `.s2s` (default process.cwd()). */
  cwd?: string;
  /** Options for the local platform. */
  local?: LocalPlatformOptions;
}

const nothingToStop = async () => {};

function where(state: DeployState | null): string {
  return state ? `--project ${state.project} --region ${state.region}` : '--project … --region …';
}

function needCloudRun(state: DeployState | null, path: string) {
  if (!state?.cloudrun?.complete || !state.cloudrun.urls['ping']) {
    throw new PlatformNotDeployedError(`Cloud Run is not deployed (no complete deployment in ${path}): run \`npm run deploy:cloudrun -- ${where(state)}\` first`);
  }
  const refusal = smokeRefusal('cloudrun', state.cloudrun.smoke);
  if (refusal) throw new PlatformNotVerifiedError(`refusing to measure: ${refusal}`);
  return state.cloudrun;
}

function needGke(state: DeployState | null, path: string) {
  if (!state?.gke?.complete || !state.gke.pingUrl) {
    throw new PlatformNotDeployedError(`GKE is not deployed (no complete deployment in ${path}): run \`npm run deploy:gke -- ${where(state)}\` first`);
  }
  const refusal = smokeRefusal('gke', state.gke.smoke);
  if (refusal) throw new PlatformNotVerifiedError(`refusing to measure: ${refusal}`);
  return state.gke;
}

function cloudRunPing(state: DeployState): PingEndpoint {
  return { source: 'cloudrun', url: state.cloudrun!.urls['ping']!, private: state.cloudrun!.pingPrivate };
}

function gkePing(state: DeployState): PingEndpoint {
  return { source: 'gke', url: state.gke!.pingUrl!, private: false };
}

/** Resolves a platform for the runner; a missing deployment is an error that says which deploy to run. */
export async function resolvePlatform(name: PlatformName, opts: ResolveOptions = {}): Promise<ResolvedPlatform> {
  if (name === 'local') {
    const { startLocalPlatform } = await import('./local/index.ts');
    const local = await startLocalPlatform(opts.local ?? {});
    return local.resolved;
  }
  const path = statePath(opts.env ?? process.env, opts.cwd ?? process.cwd());
  const state = readState(path);
  if (name === 'cloudrun') {
    const cr = needCloudRun(state, path);
    return { platform: 'cloudrun', pings: [cloudRunPing(state!)], pairs: cloudRunPairs(cr), direct: [], settings: cloudRunSettings(state!.project, state!.region, cr), stop: nothingToStop };
  }
  if (name === 'gke') {
    const gke = needGke(state, path);
    return { platform: 'gke', pings: [gkePing(state!)], pairs: gkePairs(gke), direct: [], settings: gkeSettings(state!.project, state!.region, gke), stop: nothingToStop };
  }
  if (name === 'cross') {
    const cr = needCloudRun(state, path);
    const gke = needGke(state, path);
    if (!state!.cross?.complete) {
      throw new PlatformNotDeployedError(`the cross-platform wiring is not deployed (${path}): run \`npm run deploy:cross\` first`);
    }
    const settings: ResolvedPlatform['settings'] = {};
    for (const [k, v] of Object.entries(cloudRunSettings(state!.project, state!.region, cr))) settings[`cloudrun.${k}`] = v;
    for (const [k, v] of Object.entries(gkeSettings(state!.project, state!.region, gke))) settings[`gke.${k}`] = v;
    return { platform: 'cross', pings: [gkePing(state!), cloudRunPing(state!)], pairs: crossPairs(state!), direct: crossDirect(state!), settings, stop: nothingToStop };
  }
  throw new PlatformNotDeployedError(`unknown platform "${String(name)}": expected local, cloudrun, gke or cross`);
}
