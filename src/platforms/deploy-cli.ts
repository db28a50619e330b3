// `s2s deploy cloudrun|gke|cross` (npm run deploy:*): parse flags, load the state, build the plan, then print
// it (--dry-run) or run it step by step, saving the state after every resource it creates.
import { join } from 'node:path';
import { cloudRunPlan, cloudRunStateFrom, CLOUDRUN_SERVICES } from './cloudrun.ts';
import { crossPlan, crossStateFrom, crossVars, NotDeployedError } from './cross.ts';
import { type DeployContext, imageRef, REPO_ROOT } from './deploy/context.ts';
import { CheckFailedError, CommandFailedError, executePlan, redact, WaitTimeoutError } from './deploy/exec.ts';
import { defaultImageTag, DEPLOY_USAGE, notApplying, parseOptions, UsageError, type DeployOptions } from './deploy/options.ts';
import { formatPlan, type Plan } from './deploy/plan.ts';
import { configuredProject, preflight, PreflightError } from './deploy/preflight.ts';
import { readState, recordCreated, stateDir, stateFor, statePath, StateFileError, writeState, type DeployState } from './deploy/state.ts';
import { gkePlan, gkeStateFrom } from './gke.ts';
import { KustomizeError } from './deploy/kustomize.ts';
import { formatSmoke } from './smoke.ts';

const PLATFORMS = ['cloudrun', 'gke', 'cross'] as const;
type DeployTarget = (typeof PLATFORMS)[number];

export interface DeployIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** ID tokens of the deploying user (a private ping's smoke check); default: the runner's token module. */
  tokens?: (audience: string) => Promise<string>;
}

const defaultIo = (): DeployIo => ({
  env: process.env,
  cwd: process.cwd(),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});

async function resolveWhere(options: DeployOptions, io: DeployIo, path: string): Promise<{ project: string; region: string }> {
  const existing = readState(path);
  let project = options.project ?? existing?.project;
  if (!project && !options.dryRun) project = (await configuredProject(io.env)) ?? undefined;
  if (!project) throw new UsageError('no project: pass --project PROJECT_ID (or set one with `gcloud config set project PROJECT_ID`)');
  const region = options.region ?? existing?.region;
  if (!region) throw new UsageError('no region: pass --region REGION, e.g. --region us-central1');
  return { project, region };
}

function summarize(target: DeployTarget, state: DeployState): string {
  const lines = [`deploy:${target} done. State: saved.`];
  if (target === 'cloudrun' && state.cloudrun) {
    for (const role of Object.keys(CLOUDRUN_SERVICES)) lines.push(`  ${role.padEnd(10)} ${state.cloudrun.urls[role] ?? '?'}`);
    lines.push('Next: `npm run scenario:cloudrun` (and `npm run teardown:cloudrun` when done: min instances cost money while deployed)');
  }
  if (target === 'gke' && state.gke) {
    lines.push(`  ping       ${state.gke.pingUrl ?? '?'} (mesh ${state.gke.mesh})`);
    lines.push('Next: `npm run scenario:gke` (and `npm run teardown:gke` when done: the cluster and load balancer cost money)');
  }
  if (target === 'cross' && state.cross) {
    for (const [n, u] of Object.entries(state.cross.gkeTargets)) lines.push(`  GKE ping       → ${n} = ${u}`);
    for (const [n, u] of Object.entries(state.cross.cloudrunTargets)) lines.push(`  Cloud Run ping → ${n} = ${u}`);
    lines.push('Next: `npm run scenario:cross`');
  }
  return `${lines.join('\n')}\n`;
}

export async function deploy(target: DeployTarget, options: DeployOptions, io: DeployIo = defaultIo()): Promise<number> {
  const path = statePath(io.env, io.cwd);
  const workRoot = join(stateDir(io.env, io.cwd), 'work');
  let state: DeployState;
  let plan: Plan;
  let vars: Record<string, string> = {};
  let finish: (state: DeployState, vars: Record<string, string>) => void;
  // Before the first command: what the deploy is about to make, so a failed run still refuses a mesh switch.
  let begin: (state: DeployState) => void = () => {};
  if (target === 'cross') {
    const existing = readState(path);
    if (!existing) {
      throw new NotDeployedError(`deploy:cross needs both platforms deployed; no deploy state at ${path}. Run \`npm run deploy:cloudrun -- --project … --region …\` and \`npm run deploy:gke -- --project … --region …\` first`);
    }
    state = existing;
    plan = crossPlan(state, options, workRoot);
    vars = crossVars(state);
    finish = (s, v) => {
      s.cross = crossStateFrom(s, v);
      const internal = v['gke.internal-lb.ip'];
      if (internal && s.gke) s.gke.pingInternalUrl = `http://${internal}`;
    };
  } else {
    const { project, region } = await resolveWhere(options, io, path);
    state = stateFor(path, project, region);
    const tag = options.imageTag ?? defaultImageTag(REPO_ROOT);
    const ctx: DeployContext = { project, region, options, image: imageRef(project, region, tag), state, workRoot, tokens: io.tokens ?? runnerTokens(io) };
    if (target === 'cloudrun') {
      plan = cloudRunPlan(ctx);
      finish = (s, v) => {
        s.cloudrun = cloudRunStateFrom(ctx, v);
      };
    } else {
      plan = gkePlan(ctx);
      begin = (s) => {
        s.gke ??= gkeStateFrom(ctx, {}, false);
      };
      finish = (s, v) => {
        s.gke = gkeStateFrom(ctx, v);
      };
    }
  }

  if (options.dryRun) {
    io.out(formatPlan(plan));
    io.out(`# state file: ${path} (not written by --dry-run)\n`);
    return 0;
  }
  if (!options.skipPreflight) {
    await preflight({
      project: state.project,
      needKubectl: target !== 'cloudrun',
      needAsmcli: target === 'gke' && options.asmcli,
      needIstioctl: target === 'gke' && options.mesh === 'ambient',
      env: io.env,
    });
  }
  const save = () => writeState(path, state);
  begin(state);
  save();
  const summary = await executePlan(plan, {
    env: io.env,
    cwd: REPO_ROOT,
    workRoot,
    vars,
    log: (line) => io.err(`${redact(line)}\n`),
    onCreated: (resource) => {
      recordCreated(state, resource);
      save();
    },
  });
  finish(state, summary.vars);
  save();
  const smoke = target === 'cloudrun' ? state.cloudrun?.smoke : target === 'gke' ? state.gke?.smoke : null;
  if (smoke) io.out(formatSmoke(target, smoke));
  if (smoke && !smoke.ok) {
    io.err(`deploy:${target}: the smoke check failed (above): scenario:${target} and scenario:cross refuse this deploy until \`npm run deploy:${target}\` passes it
`);
    return 1;
  }
  io.out(summarize(target, state));
  return 0;
}

/** The runner's token module, loaded only if a private ping's smoke check asks for a token. */
function runnerTokens(io: DeployIo): (audience: string) => Promise<string> {
  let tokens: { get(audience: string): Promise<string> } | null = null;
  return async (audience) => {
    if (!tokens) {
      const { RunnerTokens } = await import('../auth/runner-tokens.ts');
      tokens = new RunnerTokens({ env: io.env, notice: (line) => io.err(`${line}\n`) });
    }
    return tokens.get(audience);
  };
}

/** Turns the errors users can cause or fix into a message and an exit code; anything else is a bug. */
export function reportError(err: unknown, io: Pick<DeployIo, 'err'>, statePathText: string): number {
  if (err instanceof UsageError) {
    io.err(`deploy: ${err.message}\n`);
    return 2;
  }
  if (err instanceof CommandFailedError || err instanceof WaitTimeoutError || err instanceof CheckFailedError) {
    io.err(`deploy: ${err.message}\n  state: ${statePathText} lists what exists; run the same command again to resume, or \`npm run teardown:all\` to delete it.\n`);
    return 1;
  }
  // Nothing was done, and the message says what to do first (README, "Exit codes"): 2.
  if (err instanceof PreflightError || err instanceof NotDeployedError || err instanceof StateFileError) {
    io.err(`deploy: ${err.message}\n`);
    return 2;
  }
  // Rendering the manifests failed: a tool failure (1).
  if (err instanceof KustomizeError) {
    io.err(`deploy: ${err.message}\n`);
    return 1;
  }
  throw err;
}

/** Parses and checks the whole command line (target and flags), touching nothing; throws UsageError (one line). */
export function parseDeployArgv(argv: readonly string[]): { help: true } | { help: false; target: DeployTarget; options: DeployOptions; warnings: string[] } {
  const [target, ...rest] = argv;
  if (target === '--help' || target === '-h' || rest.includes('--help') || rest.includes('-h')) return { help: true };
  if (!PLATFORMS.includes(target as DeployTarget)) throw new UsageError(`unknown platform ${JSON.stringify(target ?? '')}: expected one of ${PLATFORMS.join(', ')} (npm run deploy:cloudrun -- --help)`);
  const options = parseOptions(rest);
  return { help: false, target: target as DeployTarget, options, warnings: notApplying(target as DeployTarget, rest) };
}

export async function main(argv: string[], io: DeployIo = defaultIo()): Promise<number> {
  try {
    const parsed = parseDeployArgv(argv);
    if (parsed.help) {
      io.out(DEPLOY_USAGE);
      return 0;
    }
    for (const warning of parsed.warnings) io.err(`deploy: warning: ${warning}\n`);
    return await deploy(parsed.target, parsed.options, io);
  } catch (err) {
    return reportError(err, io, statePath(io.env, io.cwd));
  }
}
