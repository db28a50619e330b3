// A deploy as data: an ordered list of steps (a command, maybe with a manifest), each with a description
// and an idempotency probe, so the same plan is printed by --dry-run and executed by exec.ts.

/** Something deploy created and teardown must delete, with the exact command that deletes it. */
export interface CreatedResource {
  /** Which teardown owns it: `teardown:cloudrun`, `teardown:gke`; `shared` goes when neither platform is left. */
  platform: 'cloudrun' | 'gke' | 'shared';
  /** e.g. "cluster", "run-service", "service-account", "artifact-repository". */
  kind: string;
  name: string;
  /** The command that deletes it (run with no prompt; "not found" counts as deleted). */
  deleteArgv: string[];
  /** True for resources whose deletion must be confirmed (a cluster). */
  confirm?: boolean;
  /**
   * Commands run first, in order (e.g. kubectl credentials before deleting a namespace); one that answers
   * "not found" means the resource went with its parent (a namespace of a deleted cluster).
   */
  before?: string[][];
  /** After the delete: wait until this list is empty (e.g. the forwarding rules of the namespace's load balancers). */
  after?: GoneWait;
}

/** A list command repeated until it prints nothing: what teardown waits for before deleting the parent. */
export interface GoneWait {
  argv: string[];
  /** What is being waited for, e.g. "the load balancers' forwarding rules of namespace s2s". */
  what: string;
  attempts: number;
  delayMs: number;
}

/** A manifest the step writes to a file before running; `{{manifest}}` in argv is replaced by its path. */
export interface ManifestFile {
  /** File name inside the step's work directory, e.g. "latency-ping.yaml" or "kustomization.yaml". */
  fileName: string;
  /** What is written (placeholders resolved at run time). */
  text: string;
  /** What --dry-run shows after the file (e.g. the rendered kustomization output); defaults to text. */
  preview?: string;
}

export interface WaitSpec {
  /** How many times the command runs at most. */
  attempts: number;
  /** Pause between attempts. */
  delayMs: number;
  /** Done when this returns true for the (trimmed) stdout of a successful run. */
  until: (stdout: string) => boolean;
  /** Said when all attempts are used up. */
  timeoutHint: string;
}

/** A step that runs in this process (an HTTP check), not a command; its result string is captured. */
export interface LocalStep {
  /** What --dry-run shows instead of a command line, one line each. */
  describe: string[];
  /** Gets the placeholder values so far (secrets included); returns what `capture` saves. */
  run(vars: Readonly<Record<string, string>>): Promise<string>;
}

/** A condition on a command's stdout; when it fails, the deploy stops with `message` (no retry). */
export interface StdoutCheck {
  test(stdout: string): boolean;
  message(stdout: string): string;
}

export interface Step {
  /** Stable id, e.g. "cloudrun.service.latency-ping". */
  id: string;
  description: string;
  /** The command; empty for a `local` step. */
  argv: string[];
  /** Runs in-process instead of argv. */
  local?: LocalStep;
  /** Must hold for stdout, else the deploy stops with its message. */
  expect?: StdoutCheck;
  /** If given and it exits 0, the resource exists already. */
  probe?: string[];
  /** What to do when the probe says the resource exists: skip the step, or run it anyway (idempotent update). */
  whenPresent?: 'skip' | 'run';
  /** Recorded in state when this step created it (probe said absent, or no probe). */
  creates?: CreatedResource;
  /** Files written into a fresh work directory; `{{workdir}}` and `{{manifest}}` (the first file) in argv. */
  files?: ManifestFile[];
  /** Save trimmed stdout under this name: later steps use `{{name}}`, and the caller may store it in state. */
  capture?: string;
  /** Turns trimmed stdout into the captured value (e.g. an account into an IAM member). */
  transform?: (stdout: string) => string;
  /** The captured value is a credential: kept in memory for later steps only, never logged, shown or stored. */
  secret?: boolean;
  /** Run until a condition holds (load balancer address, mesh ready). */
  wait?: WaitSpec;
  /** Advice added to the error when this step fails (beyond the generic hints). */
  hint?: string;
}

export interface Plan {
  title: string;
  steps: Step[];
}

const PLACEHOLDER = /\{\{([A-Za-z0-9_.-]+)\}\}/g;

/** Replaces `{{name}}` by vars[name]; unknown names stay as they are (dry-run shows them). */
export function fill(text: string, vars: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => vars[name] ?? whole);
}

/** Names of placeholders still unresolved in a text. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** Shell-quotes one argument for display (the executor never goes through a shell string). */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./{}-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The complete, human-readable plan: every command, every probe and every manifest's full text. */
export function formatPlan(plan: Plan): string {
  const out: string[] = [
    `# ${plan.title}`,
    `# ${plan.steps.length} steps; nothing below has been run (--dry-run).`,
    '# {{workdir}} is a fresh directory per step under the state dir (.s2s/work/<step id>), {{manifest}} its first file;',
    '# {{name}} values are read from earlier steps when the plan runs.',
    '',
  ];
  plan.steps.forEach((step, index) => {
    out.push(`## ${index + 1}. ${step.description}  [${step.id}]`);
    if (step.probe) {
      const verb = step.whenPresent === 'run' ? 'still run (idempotent update)' : 'skip';
      out.push(`#   check first: ${commandLine(step.probe)}   (exit 0 = exists → ${verb})`);
    }
    if (step.wait) {
      out.push(`#   repeat up to ${step.wait.attempts}× every ${step.wait.delayMs} ms until ready`);
    }
    if (step.local) for (const line of step.local.describe) out.push(`#   in-process: ${line}`);
    else out.push(`$ ${commandLine(step.argv)}`);
    if (step.capture) out.push(step.secret ? `#   stdout kept in memory as {{${step.capture}}} (a credential: never shown, logged or stored)` : `#   ${step.local ? 'result' : 'stdout'} saved as {{${step.capture}}}`);
    if (step.creates) {
      const r = step.creates;
      out.push(`#   recorded for teardown: ${r.kind} ${r.name} (delete: ${[...(r.before ?? []), r.deleteArgv].map(commandLine).join(' && ')}${r.after ? `, then wait until \`${commandLine(r.after.argv)}\` prints nothing` : ''})`);
    }
    for (const file of step.files ?? []) {
      out.push(`#   --- file {{workdir}}/${file.fileName} ---`);
      out.push(file.text.trimEnd());
      if (file.preview !== undefined) {
        out.push(`#   --- what it renders to (the manifests applied) ---`);
        out.push(file.preview.trimEnd());
      }
      out.push('#   --- end ---');
    }
    out.push('');
  });
  return `${out.join('\n')}\n`;
}
