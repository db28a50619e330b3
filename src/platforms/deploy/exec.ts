// Runs a deploy plan with zx: probe → skip or run → record what was created, one step at a time, so a
// failure leaves an accurate state behind and the next run resumes where this one stopped.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { commandLine, fill, placeholders, type CreatedResource, type Plan, type Step } from './plan.ts';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs argv without a shell string of ours (zx quotes every element); the exit code is data here. */
export async function runCommand(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<CommandResult> {
  const out = await $({ env: opts.env ?? process.env, cwd: opts.cwd, nothrow: true, quiet: true, verbose: false, ...(opts.input !== undefined ? { input: opts.input } : {}) })`${argv}`;
  return { exitCode: out.exitCode ?? 1, stdout: out.stdout, stderr: out.stderr };
}

const TOKEN_SHAPE = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** Tokens never reach the terminal or a file, even inside a CLI's error text. */
export function redact(text: string): string {
  return text.replace(TOKEN_SHAPE, 'eyJ…[redacted]');
}

/** Which role of the README's list grants a permission deploy uses (first prefix that matches). */
const ROLE_FOR: ReadonlyArray<readonly [string, string]> = [
  ['iam.serviceAccounts.actAs', 'roles/iam.serviceAccountUser'],
  ['iam.serviceAccounts.getOpenIdToken', 'roles/iam.serviceAccountTokenCreator (on s2s-smoke)'],
  ['iam.serviceAccounts.', 'roles/iam.serviceAccountAdmin'],
  ['resourcemanager.projects.', 'roles/resourcemanager.projectIamAdmin'],
  ['run.', 'roles/run.admin'],
  ['container.', 'roles/container.admin'],
  ['storage.', 'roles/storage.admin'],
  ['artifactregistry.', 'roles/artifactregistry.admin'],
  ['cloudbuild.', 'roles/cloudbuild.builds.editor'],
  ['compute.forwardingRules.', 'roles/compute.networkViewer'],
  ['serviceusage.', 'roles/serviceusage.serviceUsageAdmin'],
  ['gkehub.', 'roles/gkehub.admin'],
];

const GENERIC_ADVICE = 'read the error above, fix the cause, then run the same deploy again: finished steps are skipped';

/** What to do for the usual reasons a gcloud/kubectl command fails; null when the error is not a known kind. */
export function knownAdvice(stderr: string, exitCode: number, argv: string[]): string | null {
  const tool = argv[0] ?? 'the command';
  if (exitCode === 127 || /command not found|ENOENT/.test(stderr)) {
    return `${tool} is not installed or not on PATH: install the Google Cloud SDK (https://cloud.google.com/sdk/docs/install) and \`gcloud components install kubectl\``;
  }
  if (/SERVICE_DISABLED|has not been used in project|it is disabled/i.test(stderr)) {
    const api = /([a-z]+\.googleapis\.com)/.exec(stderr)?.[1] ?? 'the API named above';
    return `enable the API: \`gcloud services enable ${api} --project <project>\`, wait a minute, then run the same deploy again`;
  }
  if (/QUOTA|quota exceeded|RESOURCE_EXHAUSTED/i.test(stderr)) {
    return 'a quota is exhausted: see IAM & Admin → Quotas in the console for this region, ask for more or use another --region, then run the same deploy again';
  }
  if (/PERMISSION_DENIED|does not have permission|Forbidden|403/i.test(stderr)) {
    // A permission is service.resource.verb (iam.serviceAccounts.actAs), not a command path (gcloud.iam.service-accounts).
    const permission = /(?<![\w.-])((?:iam|run|container|storage|resourcemanager|artifactregistry|cloudbuild|compute|serviceusage|gkehub)(?:\.[A-Za-z]+){2,})(?![\w-])/.exec(stderr)?.[1];
    const role = permission ? ROLE_FOR.find(([prefix]) => permission.startsWith(prefix))?.[1] : undefined;
    return `your account lacks ${permission ? `the permission ${permission}` : 'a permission for this command'}${role ? `, which ${role} grants` : ''}: ask a project owner for it (the README, "Run it on your project", lists every role deploy needs and what for), then run the same deploy again`;
  }
  if (/gcloud auth login|no credentialed accounts|Reauthentication|invalid_grant/i.test(stderr)) {
    return 'log in: `gcloud auth login` (and `gcloud auth application-default login` for the runner), then run the same deploy again';
  }
  if (/FAILED_PRECONDITION.*allUsers|One or more users named in the policy do not belong to a permitted customer/i.test(stderr)) {
    return 'an organization policy (domain restricted sharing) forbids allUsers: deploy with --ping-private, or ask your admin for an exception';
  }
  return null;
}

/** The known advice first (it names the actual cause), then what the step itself knows. */
export function adviceFor(stderr: string, exitCode: number, argv: string[], stepHint?: string): string {
  const known = knownAdvice(stderr, exitCode, argv);
  return [known, stepHint].filter((x): x is string => Boolean(x)).join('; also: ') || GENERIC_ADVICE;
}

export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
  constructor(
    readonly step: Step,
    readonly argv: string[],
    readonly exitCode: number,
    readonly stderr: string,
    hint: string,
  ) {
    const detail = redact(stderr.trim()).split('\n').slice(-8).join('\n    ');
    super(redact(
      `step "${step.description}" failed: \`${commandLine(argv)}\` exited with code ${exitCode}` +
        (detail ? `\n    ${detail}` : '') +
        `\n  what to do: ${hint}`,
    ));
  }
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/** A command worked but its answer says the deploy cannot go on (e.g. ambient asked of an Autopilot cluster). */
export class CheckFailedError extends Error {
  override name = 'CheckFailedError';
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where steps with files get their work directory (under the state dir, outside git). */
  workRoot: string;
  /** Initial placeholder values. */
  vars?: Record<string, string>;
  log?: (line: string) => void;
  onCreated?: (resource: CreatedResource) => void;
  onCapture?: (name: string, value: string) => void;
  /** Injected by tests that must not wait; default is a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

export interface ExecSummary {
  ran: string[];
  skipped: string[];
  vars: Record<string, string>;
}

function resolveAll(texts: string[], vars: Record<string, string>, step: Step): string[] {
  const filled = texts.map((t) => fill(t, vars));
  const missing = filled.flatMap(placeholders);
  if (missing.length > 0) {
    throw new Error(`internal: step ${step.id} uses {{${missing.join('}}, {{')}}} before any step set it`);
  }
  return filled;
}

export async function executePlan(plan: Plan, opts: ExecOptions): Promise<ExecSummary> {
  const vars: Record<string, string> = { ...(opts.vars ?? {}) };
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const run = (argv: string[]) => runCommand(argv, { env: opts.env, cwd: opts.cwd });
  const summary: ExecSummary = { ran: [], skipped: [], vars };

  const secrets: string[] = [];
  // Secrets are values of later steps' placeholders at most; a line that would show one shows [redacted].
  const hide = (line: string) => secrets.reduce((l, value) => (value ? l.split(value).join('[redacted]') : l), line);
  for (const [index, step] of plan.steps.entries()) {
    const prefix = `[${index + 1}/${plan.steps.length}]`;
    let present = false;
    if (step.probe) {
      const probeArgv = resolveAll(step.probe, vars, step);
      present = (await run(probeArgv)).exitCode === 0;
      if (present && (step.whenPresent ?? 'skip') === 'skip') {
        log(`${prefix} ${step.description}: already there, skipped`);
        summary.skipped.push(step.id);
        continue;
      }
    }
    if (step.files && step.files.length > 0) {
      const workdir = join(opts.workRoot, step.id);
      rmSync(workdir, { recursive: true, force: true });
      mkdirSync(workdir, { recursive: true });
      vars['workdir'] = workdir;
      step.files.forEach((file, i) => {
        const path = join(workdir, file.fileName);
        writeFileSync(path, fill(file.text, vars));
        if (i === 0) vars['manifest'] = path;
      });
    }
    const argv = resolveAll(step.argv, vars, step);
    let result: CommandResult;
    if (step.local) {
      log(`${prefix} ${step.description} (in-process)`);
      result = { exitCode: 0, stdout: await step.local.run(vars), stderr: '' };
    } else if (step.wait) {
      log(hide(`${prefix} ${step.description}: ${commandLine(argv)}`));
      result = await waitFor(step, argv, run, sleep, log);
    } else {
      log(hide(`${prefix} ${step.description}: ${commandLine(argv)}`));
      result = await run(argv);
      if (result.exitCode !== 0) {
        throw new CommandFailedError(step, argv, result.exitCode, result.stderr, adviceFor(result.stderr, result.exitCode, argv, step.hint));
      }
    }
    if (step.expect && !step.expect.test(result.stdout.trim())) {
      throw new CheckFailedError(redact(`step "${step.description}": ${step.expect.message(result.stdout.trim())}`));
    }
    summary.ran.push(step.id);
    if (step.creates && !present) opts.onCreated?.(step.creates);
    if (step.capture) {
      const trimmed = result.stdout.trim();
      const value = step.transform ? step.transform(trimmed) : trimmed;
      vars[step.capture] = value;
      if (step.secret) secrets.push(value);
      else opts.onCapture?.(step.capture, value);
    }
  }
  for (const step of plan.steps) if (step.secret && step.capture) delete vars[step.capture];
  return summary;
}

async function waitFor(
  step: Step,
  argv: string[],
  run: (argv: string[]) => Promise<CommandResult>,
  sleep: (ms: number) => Promise<void>,
  log: (line: string) => void,
): Promise<CommandResult> {
  const wait = step.wait!;
  let last: CommandResult = { exitCode: 0, stdout: '', stderr: '' };
  for (let attempt = 1; attempt <= wait.attempts; attempt++) {
    last = await run(argv);
    if (last.exitCode === 0 && wait.until(last.stdout.trim())) return last;
    if (last.exitCode === 127) {
      throw new CommandFailedError(step, argv, last.exitCode, last.stderr, adviceFor(last.stderr, last.exitCode, argv));
    }
    if (attempt < wait.attempts) {
      log(`    not ready yet (attempt ${attempt}/${wait.attempts}), next check in ${Math.round(wait.delayMs / 1000)} s`);
      await sleep(wait.delayMs);
    }
  }
  const seconds = Math.round((wait.attempts - 1) * wait.delayMs / 1000);
  const lastWords = redact((last.stderr || last.stdout).trim()).split('\n').slice(-3).join(' / ');
  throw new WaitTimeoutError(redact(
    `step "${step.description}" timed out: \`${commandLine(argv)}\` was not ready after ${wait.attempts} checks (~${seconds} s)` +
      (lastWords ? `; last answer: ${lastWords}` : '') +
      `\n  what to do: ${wait.timeoutHint}`,
  ));
}
