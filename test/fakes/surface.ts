// The command surface the stand-in CLIs accept: each command path with the flags it takes. A call outside it
// exits 2 as the real CLI would ("unrecognized arguments"), so a misspelled flag fails the test that makes it.
// The table itself cannot lie either: test/deploy/contract.test.ts runs every command line the plans produce
// through the real gcloud and kubectl, and fails when a command or flag listed here is used by none of them.

export interface CommandSpec {
  /** The words after the program name, e.g. "container clusters create-auto". */
  path: string;
  /** Flag names as written (`--location`, `-n`); values are not checked here, the real CLI does that. */
  flags: readonly string[];
}

export type FakeCli = 'gcloud' | 'kubectl' | 'istioctl' | 'asmcli';

const iamBinding = ['--member', '--role', '--format'];

export const SURFACE: Readonly<Record<FakeCli, readonly CommandSpec[]>> = Object.freeze({
  gcloud: [
    { path: '--version', flags: ['--version'] },
    { path: 'auth list', flags: ['--filter', '--format'] },
    { path: 'auth print-identity-token', flags: ['--impersonate-service-account', '--audiences', '--include-email', '--verbosity'] },
    { path: 'config get-value', flags: [] },
    { path: 'projects describe', flags: ['--format'] },
    { path: 'projects add-iam-policy-binding', flags: [...iamBinding, '--condition'] },
    { path: 'projects remove-iam-policy-binding', flags: [...iamBinding, '--condition'] },
    { path: 'services enable', flags: ['--project'] },
    { path: 'iam service-accounts describe', flags: ['--project'] },
    { path: 'iam service-accounts create', flags: ['--display-name', '--project'] },
    { path: 'iam service-accounts delete', flags: ['--project', '--quiet'] },
    { path: 'iam service-accounts add-iam-policy-binding', flags: [...iamBinding, '--project'] },
    { path: 'artifacts repositories describe', flags: ['--location', '--project'] },
    { path: 'artifacts repositories create', flags: ['--repository-format', '--location', '--project', '--description'] },
    { path: 'artifacts repositories delete', flags: ['--location', '--project', '--quiet'] },
    { path: 'artifacts repositories add-iam-policy-binding', flags: [...iamBinding, '--location', '--project'] },
    { path: 'artifacts docker images describe', flags: ['--project'] },
    { path: 'builds submit', flags: ['--config', '--substitutions', '--service-account', '--gcs-source-staging-dir', '--project'] },
    { path: 'storage buckets describe', flags: ['--project', '--format'] },
    { path: 'storage buckets create', flags: ['--location', '--project', '--uniform-bucket-level-access'] },
    { path: 'storage buckets add-iam-policy-binding', flags: [...iamBinding, '--project'] },
    { path: 'storage rm', flags: ['--recursive', '--project', '--quiet'] },
    { path: 'run services describe', flags: ['--region', '--project', '--format'] },
    { path: 'run services replace', flags: ['--region', '--project'] },
    { path: 'run services add-iam-policy-binding', flags: ['--member', '--role', '--region', '--project'] },
    { path: 'run services delete', flags: ['--region', '--project', '--quiet'] },
    { path: 'container clusters describe', flags: ['--location', '--project', '--format'] },
    { path: 'container clusters create-auto', flags: ['--location', '--project', '--service-account', '--fleet-project'] },
    {
      path: 'container clusters create',
      flags: ['--location', '--project', '--machine-type', '--num-nodes', '--disk-size', '--release-channel', '--workload-pool', '--addons', '--service-account', '--fleet-project'],
    },
    { path: 'container clusters get-credentials', flags: ['--location', '--project'] },
    { path: 'container clusters update', flags: ['--location', '--project', '--fleet-project'] },
    { path: 'container clusters delete', flags: ['--location', '--project', '--quiet'] },
    { path: 'container fleet memberships describe', flags: ['--location', '--project'] },
    { path: 'container fleet memberships unregister', flags: ['--location', '--gke-cluster', '--project', '--quiet'] },
    { path: 'container fleet mesh describe', flags: ['--project', '--format'] },
    { path: 'container fleet mesh enable', flags: ['--project'] },
    { path: 'container fleet mesh update', flags: ['--management', '--memberships', '--location', '--project'] },
    { path: 'compute forwarding-rules list', flags: ['--regions', '--filter', '--format', '--project'] },
  ],
  kubectl: [
    { path: 'version', flags: ['--client'] },
    { path: 'get', flags: ['-n', '-o', '--context'] },
    { path: 'apply', flags: ['-k', '-f', '-n', '--context'] },
    { path: 'delete', flags: ['-n', '--ignore-not-found', '--wait', '--timeout', '--context'] },
    { path: 'rollout status', flags: ['-n', '--timeout', '--context'] },
    { path: 'rollout restart', flags: ['-n', '--context'] },
    { path: 'wait', flags: ['--for', '-n', '--timeout', '--context'] },
    { path: 'exec', flags: ['-n', '-c', '--context'] },
  ],
  // Not installed on these machines: no contract test can check these two (see contract.test.ts).
  istioctl: [
    { path: 'version', flags: ['--remote'] },
    { path: 'install', flags: ['--set', '--skip-confirmation', '--context'] },
  ],
  asmcli: [
    { path: '--version', flags: ['--version'] },
    { path: 'install', flags: ['--project_id', '--cluster_name', '--cluster_location', '--enable_all', '--managed', '--ca'] },
  ],
});

/** The command path an argv belongs to (longest match), or null when the stand-in does not know it. */
export function commandOf(cli: FakeCli, argv: readonly string[]): CommandSpec | null {
  const line = ` ${argv.join(' ')} `;
  const matches = SURFACE[cli].filter((spec) => line.startsWith(` ${spec.path} `));
  return matches.sort((a, b) => b.path.length - a.path.length)[0] ?? null;
}

/** The flag names an argv uses (before a `--`), as the stand-ins and the contract test read them. */
export function flagsOf(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return (end >= 0 ? argv.slice(0, end) : argv).filter((a) => a.startsWith('-') && a !== '-').map((a) => a.split('=')[0]!);
}
