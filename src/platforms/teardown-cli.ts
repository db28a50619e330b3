// `s2s teardown cloudrun|gke|all` (npm run teardown:*): deletes exactly what deploy recorded in the state, newest
// first, asking before a cluster goes (or --yes), and removes each entry from the state as soon as it is gone.
// On GKE the namespaces go first and the cluster only once their load balancers' forwarding rules are gone:
// deleting a cluster does not guarantee its load balancers are deleted, and a leftover one is billed.
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { REPO_ROOT } from './deploy/context.ts';
import { redact, runCommand } from './deploy/exec.ts';
import { notApplying, parseOptions, TEARDOWN_USAGE, UsageError } from './deploy/options.ts';
import { commandLine, type CreatedResource } from './deploy/plan.ts';
import { readState, sameResource, statePath, StateFileError, writeState, type DeployState } from './deploy/state.ts';

const TARGETS = ['cloudrun', 'gke', 'all'] as const;
type TeardownTarget = (typeof TARGETS)[number];

export interface TeardownIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Asks a yes/no question; null when there is no terminal to ask on. */
  ask: ((question: string) => Promise<string>) | null;
  /** Pause between two checks that something is gone (tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
}

const defaultIo = (): TeardownIo => ({
  env: process.env,
  cwd: process.cwd(),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  ask: process.stdin.isTTY
    ? async (question) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          return await rl.question(question);
        } finally {
          rl.close();
        }
      }
    : null,
});

const NOT_FOUND = /NOT_FOUND|not found|does not exist|was not found|matched no objects/i;
const PARENT_GONE = /code=404|NOT_FOUND/;

/** What teardown of `target` deletes, newest first; shared resources go only when no platform is left. */
export function selectForTeardown(state: DeployState, target: TeardownTarget): CreatedResource[] {
  const keep = (r: CreatedResource) => target === 'all' || r.platform === target;
  let chosen = state.created.filter((r) => r.platform !== 'shared' && keep(r));
  const remaining = state.created.filter((r) => r.platform !== 'shared' && !chosen.includes(r));
  const otherDeployed = (target === 'cloudrun' && state.gke !== null) || (target === 'gke' && state.cloudrun !== null);
  if (target === 'all' || (remaining.length === 0 && !otherDeployed)) chosen = [...chosen, ...state.created.filter((r) => r.platform === 'shared')];
  const order = (r: CreatedResource) => state.created.findIndex((c) => sameResource(c, r));
  return chosen.sort((a, b) => order(b) - order(a));
}

/** The lines teardown runs for one resource, as --dry-run prints them. */
export function deletionLines(r: CreatedResource): string[] {
  const lines = [...(r.before ?? []).map((argv) => `$ ${commandLine(argv)}`), `$ ${commandLine(r.deleteArgv)}    # ${r.kind} ${r.name}`];
  if (r.after) {
    lines.push(`$ ${commandLine(r.after.argv)}    # repeated up to ${r.after.attempts}× every ${Math.round(r.after.delayMs / 1000)} s until it prints nothing: ${r.after.what}`);
  }
  return lines;
}

type Outcome = { ok: true; gone: 'deleted' | 'with-parent' } | { ok: false; message: string };

async function deleteOne(r: CreatedResource, io: TeardownIo): Promise<Outcome> {
  const run = (argv: string[]) => runCommand(argv, { env: io.env, cwd: REPO_ROOT });
  const failed = (argv: string[], result: { exitCode: number; stderr: string }): Outcome => ({
    ok: false,
    message: `\`${commandLine(argv)}\` exited with code ${result.exitCode}\n    ${redact(result.stderr.trim()).split('\n').slice(-5).join('\n    ')}`,
  });
  for (const argv of r.before ?? []) {
    const result = await run(argv);
    if (result.exitCode === 0) continue;
    // The parent is gone (a namespace whose cluster was deleted by hand): so is this. Only the API's own 404
    // counts: "gke-gcloud-auth-plugin … was not found" must not let the cluster go before its load balancers.
    if (PARENT_GONE.test(result.stderr)) return { ok: true, gone: 'with-parent' };
    return failed(argv, result);
  }
  io.err(`deleting ${r.kind} ${r.name}: ${commandLine(r.deleteArgv)}\n`);
  const result = await run(r.deleteArgv);
  if (result.exitCode !== 0 && !NOT_FOUND.test(result.stderr)) return failed(r.deleteArgv, result);
  if (r.after) {
    const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let last = '';
    for (let attempt = 1; attempt <= r.after.attempts; attempt++) {
      const check = await run(r.after.argv);
      if (check.exitCode === 0 && check.stdout.trim() === '') return { ok: true, gone: 'deleted' };
      last = redact((check.exitCode === 0 ? check.stdout : check.stderr).trim()).split('\n').slice(-3).join(' / ');
      if (attempt < r.after.attempts) {
        io.err(`    waiting for ${r.after.what} to be gone (check ${attempt}/${r.after.attempts})\n`);
        await sleep(r.after.delayMs);
      }
    }
    return {
      ok: false,
      message: `${r.after.what} still exist after ${r.after.attempts} checks (\`${commandLine(r.after.argv)}\` last said: ${last || 'nothing'}); nothing after it was deleted, so the cluster is still there to finish removing them`,
    };
  }
  return { ok: true, gone: 'deleted' };
}

export async function teardown(target: TeardownTarget, opts: { yes: boolean; dryRun: boolean }, io: TeardownIo = defaultIo()): Promise<number> {
  const path = statePath(io.env, io.cwd);
  const state = readState(path);
  if (!state) {
    io.out(`teardown:${target}: nothing to delete (no deploy state at ${path}).\n`);
    return 0;
  }
  const doomed = selectForTeardown(state, target);
  if (doomed.length === 0) {
    io.out(`teardown:${target}: deploy created nothing for ${target} in project ${state.project} (state ${path}).\n`);
  }
  if (opts.dryRun) {
    io.out(`# teardown:${target} of project ${state.project}, region ${state.region}: ${doomed.length} deletions, in this order; nothing has been run (--dry-run).\n`);
    for (const r of doomed) for (const line of deletionLines(r)) io.out(`${line}\n`);
    return 0;
  }
  const clusters = doomed.filter((r) => r.confirm);
  if (clusters.length > 0 && !opts.yes) {
    const names = clusters.map((c) => c.name).join(', ');
    if (!io.ask) {
      io.err(`teardown:${target}: refusing to delete cluster ${names} without confirmation, and there is no terminal to ask on. Run again with --yes to delete it.\n`);
      return 1;
    }
    for (const c of clusters) {
      const answer = (await io.ask(`Delete GKE cluster ${c.name} in ${state.region} (project ${state.project}) and everything in it? Type the cluster name to confirm: `)).trim();
      if (answer !== c.name) {
        io.err(`teardown:${target}: not confirmed; nothing was deleted.\n`);
        return 1;
      }
    }
  }
  for (const r of doomed) {
    const outcome = await deleteOne(r, io);
    if (!outcome.ok) {
      io.err(
        `teardown:${target}: ${outcome.message}\n` +
          `  what to do: fix the cause (permission? a dependent resource? still being deleted?) and run the same teardown again; the state (${path}) still lists what is left.\n`,
      );
      return 1;
    }
    if (outcome.gone === 'with-parent') io.err(`${r.kind} ${r.name}: already gone with its cluster\n`);
    state.created = state.created.filter((c) => !sameResource(c, r));
    writeState(path, state);
  }
  if (target === 'cloudrun' || target === 'all') state.cloudrun = null;
  if (target === 'gke' || target === 'all') state.gke = null;
  state.cross = null;
  if (state.created.length === 0 && !state.cloudrun && !state.gke) {
    rmSync(path, { force: true });
    io.out(`teardown:${target}: done; everything deploy created is gone, state file removed.\n`);
  } else {
    writeState(path, state);
    io.out(`teardown:${target}: done; ${state.created.length} resources of other platforms remain (state ${path}).\n`);
  }
  return 0;
}

/** Parses and checks the whole command line (target and flags), touching nothing; throws UsageError (one line). */
export function parseTeardownArgv(argv: readonly string[]): { help: true } | { help: false; target: TeardownTarget; yes: boolean; dryRun: boolean; warnings: string[] } {
  const [target, ...rest] = argv;
  if (target === '--help' || target === '-h' || rest.includes('--help') || rest.includes('-h')) return { help: true };
  if (!TARGETS.includes(target as TeardownTarget)) throw new UsageError(`unknown target ${JSON.stringify(target ?? '')}: expected one of ${TARGETS.join(', ')} (npm run teardown:all -- --help)`);
  const options = parseOptions(rest);
  return { help: false, target: target as TeardownTarget, yes: options.yes, dryRun: options.dryRun, warnings: notApplying('teardown', rest) };
}

export async function main(argv: string[], io: TeardownIo = defaultIo()): Promise<number> {
  try {
    const parsed = parseTeardownArgv(argv);
    if (parsed.help) {
      io.out(TEARDOWN_USAGE);
      return 0;
    }
    for (const warning of parsed.warnings) io.err(`teardown: warning: ${warning}\n`);
    return await teardown(parsed.target, { yes: parsed.yes, dryRun: parsed.dryRun }, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof StateFileError) {
      io.err(`teardown: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
