// Flags of `deploy` and `teardown`, declared once as data, read by the one flag reader and validated with
// zod, so a bad value is reported in one line as `--flag "value": what is allowed`, never as a stack trace.
import { execFileSync } from 'node:child_process';
import { z } from 'zod';
import { FlagError, parseFlags, valueError } from '../../flags/flags.ts';

/** Bad flags or values, or something to do first: exit 2. */
export class UsageError extends FlagError {
  override name = 'UsageError';
}

/**
 * Defaults, in one place (do not mutate). cpu/memory are the Cloud Run limits and the GKE requests = limits:
 * 1 vCPU / 1 GiB because Autopilot's general-purpose class keeps CPU:memory between 1:1 and 1:6.5 and would
 * raise 512 MiB to 1 GiB on its own, so only 1 GiB gives both platforms the same box.
 */
export const DEFAULTS = Object.freeze({
  cpu: '1',
  memory: '1Gi',
  minInstances: 1,
  pingIngress: 'all' as const,
  mesh: 'sidecar' as const,
  cluster: 's2s-latency',
  namespace: 's2s',
  repository: 's2s',
  /** Standard clusters (ambient): one node per zone of the region (3 in most regions), this machine type. */
  machineType: 'e2-standard-4',
  nodesPerZone: 1,
  /** Distributed runs (deploy:gke --distributed): the k6 runners' namespace and Kubernetes service account. */
  runnerNamespace: 's2s-k6',
  runnerServiceAccount: 'k6-runner',
  /** How long to wait for rollouts, the load balancer address and the mesh. */
  waitTimeoutS: 900,
  /** Pause between two checks of something being provisioned. */
  waitIntervalS: 10,
});

const flagSpec = {
  project: { type: 'string' },
  region: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'image-tag': { type: 'string' },
  cpu: { type: 'string' },
  memory: { type: 'string' },
  'ping-ingress': { type: 'string' },
  'ping-private': { type: 'boolean' },
  'vpc-egress': { type: 'string' },
  mesh: { type: 'string' },
  'cluster-mode': { type: 'string' },
  'machine-type': { type: 'string' },
  asmcli: { type: 'boolean' },
  cluster: { type: 'string' },
  distributed: { type: 'boolean' },
  'wait-timeout-s': { type: 'string' },
  'wait-interval-s': { type: 'string' },
  'skip-build': { type: 'boolean' },
  'skip-preflight': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} as const;

// Real IDs have 6–30 characters; shorter ones are accepted so plans can be previewed with e.g. --project demo.
const projectId = z.string().regex(/^([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{2,28}[a-z0-9]$/, 'a Google Cloud project ID: lowercase letters, digits, hyphens, starting with a letter');
const region = z.string().regex(/^[a-z]+-[a-z]+[0-9]+$/, 'a region such as us-central1 or europe-west1 (a region, not a zone)');

const optionsSchema = z.object({
  project: projectId.optional(),
  region: region.optional(),
  dryRun: z.boolean(),
  imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a Docker tag: letters, digits, _ . - (max 128)').optional(),
  cpu: z.enum(['1', '2', '4', '8'], { message: 'one of 1, 2, 4, 8 (Cloud Run vCPU values)' }),
  memory: z.string().regex(/^[0-9]+(Mi|Gi)$/, 'a quantity such as 512Mi or 2Gi'),
  pingIngress: z.enum(['all', 'internal'], { message: 'all or internal' }),
  pingPrivate: z.boolean(),
  vpcEgress: z.string().regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/, 'NETWORK/SUBNET, e.g. default/default').nullable(),
  mesh: z.enum(['sidecar', 'ambient', 'none'], { message: 'sidecar, ambient or none' }),
  /** autopilot, or standard (a node pool we size); ambient needs standard. */
  clusterMode: z.enum(['autopilot', 'standard'], { message: 'autopilot or standard' }),
  machineType: z.string().regex(/^[a-z][a-z0-9]*-[a-z0-9-]+$/, 'a Compute Engine machine type such as e2-standard-4'),
  asmcli: z.boolean(),
  /** Also create what distributed runs need: results bucket, runner namespace and its Workload Identity access. */
  distributed: z.boolean(),
  cluster: z.string().regex(/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/, 'a GKE cluster name: lowercase letters, digits, hyphens, max 40'),
  waitTimeoutS: z.coerce.number({ message: 'an integer number of seconds from 1 to 7200' }).int({ message: 'an integer number of seconds from 1 to 7200' }).min(1, { message: 'an integer number of seconds from 1 to 7200' }).max(7200, { message: 'an integer number of seconds from 1 to 7200' }),
  waitIntervalS: z.coerce.number({ message: 'a number of seconds from 0 to 600' }).min(0, { message: 'a number of seconds from 0 to 600' }).max(600, { message: 'a number of seconds from 0 to 600' }),
  skipBuild: z.boolean(),
  skipPreflight: z.boolean(),
  yes: z.boolean(),
  help: z.boolean(),
});

export type DeployOptions = z.infer<typeof optionsSchema>;

const FLAG_OF: Record<string, string> = {
  imageTag: 'image-tag',
  dryRun: 'dry-run',
  pingIngress: 'ping-ingress',
  pingPrivate: 'ping-private',
  vpcEgress: 'vpc-egress',
  clusterMode: 'cluster-mode',
  machineType: 'machine-type',
  waitTimeoutS: 'wait-timeout-s',
  waitIntervalS: 'wait-interval-s',
  skipBuild: 'skip-build',
  skipPreflight: 'skip-preflight',
};

/** The one-line refusal, also used when an existing cluster turns out to be Autopilot. */
export const AMBIENT_ON_AUTOPILOT =
  '--mesh ambient needs --cluster-mode standard: Istio\'s CNI node agent needs NET_ADMIN/SYS_ADMIN and a hostPath, which GKE Autopilot refuses (drop --cluster-mode autopilot; standard is the default for ambient)';

export function parseOptions(argv: string[]): DeployOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseFlags(argv, flagSpec));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const raw = {
    project: values['project'],
    region: values['region'],
    dryRun: values['dry-run'] === true,
    imageTag: values['image-tag'],
    cpu: values['cpu'] ?? DEFAULTS.cpu,
    memory: values['memory'] ?? DEFAULTS.memory,
    pingIngress: values['ping-ingress'] ?? DEFAULTS.pingIngress,
    pingPrivate: values['ping-private'] === true,
    vpcEgress: values['vpc-egress'] ?? null,
    mesh: values['mesh'] ?? DEFAULTS.mesh,
    // Ambient cannot run on Autopilot, so it picks Standard unless told otherwise (and then refuses below).
    clusterMode: values['cluster-mode'] ?? (values['mesh'] === 'ambient' ? 'standard' : 'autopilot'),
    machineType: values['machine-type'] ?? DEFAULTS.machineType,
    asmcli: values['asmcli'] === true,
    distributed: values['distributed'] === true,
    cluster: values['cluster'] ?? DEFAULTS.cluster,
    waitTimeoutS: values['wait-timeout-s'] ?? DEFAULTS.waitTimeoutS,
    waitIntervalS: values['wait-interval-s'] ?? DEFAULTS.waitIntervalS,
    skipBuild: values['skip-build'] === true,
    skipPreflight: values['skip-preflight'] === true,
    yes: values['yes'] === true,
    help: values['help'] === true,
  };
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    // One line: the first bad flag (fixing it shows the next).
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '?');
    throw new UsageError(valueError(FLAG_OF[key] ?? key, (raw as Record<string, unknown>)[key], `expected ${issue.message}`).message);
  }
  if (parsed.data.asmcli && parsed.data.mesh !== 'sidecar') {
    throw new UsageError(`--asmcli installs the sidecar mesh the post used; it cannot be combined with --mesh ${parsed.data.mesh}`);
  }
  if (parsed.data.mesh === 'ambient' && parsed.data.clusterMode === 'autopilot') {
    throw new UsageError(AMBIENT_ON_AUTOPILOT);
  }
  if (values['machine-type'] !== undefined && parsed.data.clusterMode !== 'standard') {
    throw new UsageError(`--machine-type sizes the node pool of a Standard cluster; Autopilot picks its own nodes: add --cluster-mode standard or drop --machine-type`);
  }
  return parsed.data;
}

/** Every flag of deploy/teardown and its type (tests check each is used by some command). */
export const DEPLOY_FLAGS: Readonly<Record<string, 'string' | 'boolean'>> = Object.fromEntries(Object.entries(flagSpec).map(([name, spec]) => [name, spec.type]));

/** The flags each command uses (the rest are accepted by the shared parser, and ignored with a warning). A new flag goes here too. */
const APPLIES: Record<'cloudrun' | 'gke' | 'cross' | 'teardown', readonly string[]> = {
  cloudrun: ['project', 'region', 'dry-run', 'image-tag', 'cpu', 'memory', 'ping-ingress', 'ping-private', 'vpc-egress', 'wait-timeout-s', 'wait-interval-s', 'skip-build', 'skip-preflight', 'help'],
  gke: ['project', 'region', 'dry-run', 'image-tag', 'cpu', 'memory', 'mesh', 'cluster-mode', 'machine-type', 'asmcli', 'cluster', 'distributed', 'wait-timeout-s', 'wait-interval-s', 'skip-build', 'skip-preflight', 'help'],
  // Project, region, images and sizes come from the deploy state of the two platforms.
  cross: ['dry-run', 'wait-timeout-s', 'wait-interval-s', 'skip-preflight', 'help'],
  teardown: ['yes', 'dry-run', 'help'],
};

/** One warning per flag given that `command` does not use: `--mesh does not apply to deploy:cloudrun …`. */
export function notApplying(command: keyof typeof APPLIES, argv: readonly string[]): string[] {
  const { values } = parseFlags(argv, flagSpec);
  const name = command === 'teardown' ? 'teardown' : `deploy:${command}`;
  return Object.keys(values)
    .filter((flag) => !APPLIES[command].includes(flag))
    .map((flag) => {
      const users = (['cloudrun', 'gke', 'cross', 'teardown'] as const).filter((c) => APPLIES[c].includes(flag)).map((c) => (c === 'teardown' ? 'teardown' : `deploy:${c}`));
      return `--${flag} does not apply to ${name}${users.length ? ` (only to ${users.join(', ')})` : ''}; ignored.`;
    });
}

/** The default image tag: the git commit (so an unchanged tree is not rebuilt), else "latest". */
export function defaultImageTag(cwd = process.cwd()): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^[0-9a-f]+$/.test(sha) ? `git-${sha}` : 'latest';
  } catch {
    return 'latest';
  }
}

export const DEPLOY_USAGE = `Usage:
  npm run deploy:cloudrun -- --project P --region R [--dry-run] [--ping-ingress all|internal] [--ping-private]
                             [--vpc-egress NETWORK/SUBNET] [--image-tag T] [--cpu 1] [--memory 1Gi]
  npm run deploy:gke      -- --project P --region R [--mesh sidecar|ambient|none] [--cluster-mode autopilot|standard]
                             [--machine-type T] [--asmcli] [--cluster NAME] [--distributed]
                             [--dry-run] [--image-tag T] [--cpu 1] [--memory 1Gi]
  npm run deploy:cross    -- [--dry-run]        (after both; project/region come from the deploy state)

Flags:
  --project P           Google Cloud project ID (default: the deploy state, else \`gcloud config get-value project\`)
  --region R            region for Cloud Run, the GKE cluster and Artifact Registry (e.g. us-central1)
  --dry-run             print every command and manifest; run nothing, write nothing
  --image-tag T         image tag (default: git-<commit>); an existing tag is not rebuilt
  --cpu N, --memory Q   Cloud Run limits = GKE requests = limits (default ${DEFAULTS.cpu}, ${DEFAULTS.memory})
  --ping-ingress        Cloud Run ping ingress: all (default) or internal (VPC only)
  --ping-private        no allUsers invoker on Cloud Run ping: the runner sends an ID token
  --vpc-egress N/S      Direct VPC egress for Cloud Run ping (lets it reach GKE's internal load balancer)
  --mesh M              sidecar (default, managed Cloud Service Mesh), ambient (Istio ztunnel), none (baseline)
  --cluster-mode M      autopilot (default) or standard (${DEFAULTS.nodesPerZone} node per zone); ambient needs standard and picks it
  --machine-type T      node machine type of a standard cluster (default ${DEFAULTS.machineType})
  --asmcli              install the managed mesh with asmcli like the post, instead of the fleet API
  --cluster NAME        cluster name (default ${DEFAULTS.cluster}); an existing one is reused, its mesh is never switched
  --distributed         also create what \`npm run distributed\` needs: bucket <project>-s2s-results, namespace
                        ${DEFAULTS.runnerNamespace} and its runners' Workload Identity access to the bucket
  --wait-timeout-s S    how long to wait for rollouts, the load balancer and the mesh (default ${DEFAULTS.waitTimeoutS})
  --skip-build          use the image tag as it is in Artifact Registry
  --skip-preflight      do not check gcloud/kubectl/login/project first
Every deploy ends with a smoke check of the security layer; a scenario refuses a deploy whose check failed.
State: .s2s/state.json (or $S2S_STATE_DIR/state.json), read by scenario:* and teardown:*.
`;

export const TEARDOWN_USAGE = `Usage:
  npm run teardown:cloudrun|gke|all -- [--yes] [--dry-run]
Deletes exactly what deploy recorded in .s2s/state.json (or $S2S_STATE_DIR/state.json), newest first; on GKE the
namespaces (and so the load balancers) go first and the cluster only once the forwarding rules are gone.
A cluster is deleted only after you confirm (type its name) or with --yes; without a terminal, --yes is required.
`;
