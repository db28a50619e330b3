// Checks before a deploy touches anything: the CLIs are there, someone is logged in, the project exists
// and is reachable. Each failure names the command that failed and what to do.
import { commandLine } from './plan.ts';
import { runCommand, type CommandResult } from './exec.ts';

export class PreflightError extends Error {
  override name = 'PreflightError';
}

export interface PreflightOptions {
  project: string;
  needKubectl: boolean;
  needAsmcli: boolean;
  needIstioctl: boolean;
  env?: NodeJS.ProcessEnv;
}

interface Check {
  argv: string[];
  ok: (r: CommandResult) => boolean;
  fix: (r: CommandResult) => string;
}

function firstLine(r: CommandResult): string {
  return (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ');
}

export async function preflight(opts: PreflightOptions): Promise<void> {
  const checks: Check[] = [
    {
      argv: ['gcloud', '--version'],
      ok: (r) => r.exitCode === 0,
      fix: () => 'install the Google Cloud SDK: https://cloud.google.com/sdk/docs/install (then `gcloud init`)',
    },
  ];
  if (opts.needKubectl) {
    checks.push({
      argv: ['kubectl', 'version', '--client'],
      ok: (r) => r.exitCode === 0,
      fix: () => 'install kubectl and the GKE auth plugin: `gcloud components install kubectl gke-gcloud-auth-plugin`',
    });
  }
  if (opts.needAsmcli) {
    checks.push({
      argv: ['asmcli', '--version'],
      ok: (r) => r.exitCode === 0,
      fix: () => 'install asmcli: https://cloud.google.com/service-mesh/docs/unified-install/install-dependent-tools (or deploy without --asmcli: the fleet API needs nothing extra)',
    });
  }
  if (opts.needIstioctl) {
    checks.push({
      argv: ['istioctl', 'version', '--remote=false'],
      ok: (r) => r.exitCode === 0,
      fix: () => 'install istioctl 1.24 or newer: https://istio.io/latest/docs/setup/getting-started/#download',
    });
  }
  checks.push(
    {
      argv: ['gcloud', 'auth', 'list', '--filter=status:ACTIVE', '--format=value(account)'],
      ok: (r) => r.exitCode === 0 && r.stdout.trim() !== '',
      fix: () => 'no active gcloud account: run `gcloud auth login` (and `gcloud auth application-default login` for the runner)',
    },
    {
      argv: ['gcloud', 'projects', 'describe', opts.project, '--format=value(projectId)'],
      ok: (r) => r.exitCode === 0,
      fix: (r) =>
        /PERMISSION_DENIED|403|not have permission/i.test(r.stderr)
          ? `your account cannot see project ${opts.project}: ask for access (roles/editor or the roles listed in the README), or check --project`
          : `project ${opts.project} was not found: check --project (the project ID, not its name or number), or create it and link billing`,
    },
  );
  for (const check of checks) {
    const r = await runCommand(check.argv, { env: opts.env });
    if (!check.ok(r)) {
      const missing = r.exitCode === 127;
      const said = firstLine(r);
      throw new PreflightError(
        `preflight failed: \`${commandLine(check.argv)}\` ${missing ? `could not run (${check.argv[0]} is not on PATH)` : `exited with code ${r.exitCode}${said ? `: ${said}` : ''}`}` +
          `\n  what to do: ${check.fix(r)}`,
      );
    }
  }
}

/** The project gcloud is configured with, for when --project is not given. */
export async function configuredProject(env?: NodeJS.ProcessEnv): Promise<string | null> {
  const r = await runCommand(['gcloud', 'config', 'get-value', 'project'], { env });
  const value = r.stdout.trim();
  return r.exitCode === 0 && value !== '' && value !== '(unset)' ? value : null;
}
