// `s2s distributed` / `npm run distributed`: the scenario as a k6-operator TestRun with N runners.
// Prints the manifests (--dry-run), or applies them with kubectl (--apply) after putting the ID
// tokens the runners need into a Secret through stdin — never on a command line, never in a file.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseFlags, valueError } from '../flags/flags.ts';
import { commandLine } from '../platforms/deploy/plan.ts';
import { runCommand } from '../platforms/deploy/exec.ts';
import { readState, stateDir, statePath, type DeployState } from '../platforms/deploy/state.ts';
import { kubeContext } from '../platforms/gke.ts';
import { mergeThresholds, ThresholdFlagError } from '../runner/thresholds.ts';
import { defaultThresholds } from '../runner/default-thresholds.ts';
import { buildScenarios, defaultBuildPaths, isBuildStale } from '../runner/build.ts';
import { FlagError, parseRunnerFlags, type RunnerFlags } from '../runner/flags.ts';
import { buildScenarioConfig, expectedDurationSec, tokenEnvNames } from '../runner/run-config.ts';
import type { PlatformName, ResolvedPlatform } from '../platforms/types.ts';
import { utcStamp } from '../results/run-folder.ts';
import { buildManifests, DistributedConfigError, type ResultsVolume } from './testrun.ts';
import { MANIFEST_FILE, type DistributedManifest } from './collect.ts';

const HELP = `Usage: npm run distributed -- --platform <cloudrun|gke|cross> --scenario <probe|load|direct> --parallelism N [flags] [scenario flags]

Generates (and with --apply, applies) a k6-operator TestRun that runs the scenario on N runner pods:
  - a ConfigMap with the built script (checked against the 1 MiB ConfigMap limit),
  - a TestRun (k6.io/v1alpha1) with parallelism N; the run config travels in \`arguments\`
    (-e S2S_CONFIG_B64=…); runner pods are kept out of the mesh (sidecar and ambient),
  - each runner writes --out json to its own folder of a shared results volume: a Cloud Storage
    bucket through the GKE Cloud Storage FUSE CSI driver by default (pay per use; Filestore, the
    ReadWriteMany alternative, has a 1 TiB minimum), or an existing RWX claim with --results pvc:<claim>,
  - ID tokens for private targets come from a Secret (created at --apply from the runner's credentials).
Thresholds are NOT evaluated per runner: \`npm run collect\` merges all runners' outputs and gates once.

Flags:
  --platform <p>          cloudrun | gke | cross (the cluster must run the k6-operator)
  --scenario <s>          probe | load | direct (default: load)
  --parallelism <N>       runner pods (1..1000)
  --namespace <ns>        namespace of the TestRun (default: s2s-k6, made by deploy:gke --distributed)
  --results <where>       gcs:<bucket> (default: the bucket deploy:gke --distributed made, gs://<project>-s2s-results) or pvc:<claim>
  --image <ref>           runner image (default: the k6-operator's)
  --service-account <ksa> runner Kubernetes service account (default: k6-runner, which deploy gave Workload Identity access to the bucket)
  --dry-run               print the manifests and the commands; touch nothing (default when --apply is absent)
  --apply                 kubectl apply them (and the token Secret) in the cluster deploy:gke made (its --context, never the current one)
  -h, --help              this help
Scenario flags are those of \`npm run scenario:<platform> -- --help\` (--rate, --duration, --stages, --count, --threshold …).`;

const OWN_FLAGS = {
  platform: { type: 'string' },
  scenario: { type: 'string' },
  parallelism: { type: 'string' },
  namespace: { type: 'string' },
  results: { type: 'string' },
  image: { type: 'string' },
  'service-account': { type: 'string' },
  'dry-run': { type: 'boolean' },
  apply: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Splits argv into this command's flags and the scenario flags passed through to the runner's parser. */
function splitArgs(argv: string[]): { own: string[]; rest: string[] } {
  const own: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.replace(/^--?/, '').split('=')[0]!;
    const spec = (OWN_FLAGS as Record<string, { type: string; short?: string }>)[name] ?? (a === '-h' ? OWN_FLAGS.help : undefined);
    const target = spec && a.startsWith('-') ? own : rest;
    target.push(a);
    if (spec?.type === 'string' && !a.includes('=') && i + 1 < argv.length) target.push(argv[++i]!);
  }
  return { own, rest };
}

function parseResults(raw: string | undefined, settings: ResolvedPlatform['settings'], deployed: string | null): ResultsVolume {
  if (raw === undefined) {
    if (deployed) return { kind: 'gcs', bucket: deployed.replace(/^gs:\/\//, '') };
    const project = typeof settings.project === 'string' ? settings.project : 'PROJECT';
    return { kind: 'gcs', bucket: `${project}-s2s-results` };
  }
  const m = /^(gcs|pvc):([a-z0-9][a-z0-9._-]{1,220})$/.exec(raw);
  if (!m) throw new FlagError(`--results ${JSON.stringify(raw)}: must be gcs:<bucket> or pvc:<claim>, e.g. gcs:my-project-s2s-results`);
  return m[1] === 'gcs' ? { kind: 'gcs', bucket: m[2]! } : { kind: 'pvc', claimName: m[2]! };
}

/** A platform shape with placeholder URLs, so --dry-run works before anything is deployed. */
function placeholderPlatform(platform: PlatformName): ResolvedPlatform {
  const cr = 'https://latency-ping-PROJECTHASH-uc.a.run.app';
  const gke = 'http://LB_IP';
  const pings =
    platform === 'cloudrun'
      ? [{ source: 'cloudrun', url: cr, private: false }]
      : platform === 'gke'
        ? [{ source: 'gke', url: gke, private: false }]
        : [
            { source: 'gke', url: gke, private: false },
            { source: 'cloudrun', url: cr, private: false },
          ];
  const pairs =
    platform === 'cross'
      ? [
          { source: 'gke', target: 'cloudrun-pong-unsec', targetUrl: 'https://latency-pong-unsec-PROJECTHASH-uc.a.run.app', targetPlatform: 'cloudrun', auth: 'none' as const, pingAuth: 'none' as const },
          { source: 'cloudrun', target: 'gke-ping', targetUrl: gke, targetPlatform: 'gke', auth: 'none' as const, pingAuth: 'none' as const },
        ]
      : [
          { source: platform, target: 'pong-sec', targetUrl: `${platform === 'gke' ? 'http://pong-sec' : 'https://latency-pong-sec-PROJECTHASH-uc.a.run.app'}`, targetPlatform: platform, auth: (platform === 'gke' ? 'mesh-mtls' : 'id-token') as 'mesh-mtls' | 'id-token', pingAuth: (platform === 'gke' ? 'none' : 'id-token') as 'none' | 'id-token' },
          { source: platform, target: 'pong-unsec', targetUrl: `${platform === 'gke' ? 'http://pong-unsec' : 'https://latency-pong-unsec-PROJECTHASH-uc.a.run.app'}`, targetPlatform: platform, auth: (platform === 'gke' ? 'mesh-mtls' : 'none') as 'mesh-mtls' | 'none', pingAuth: 'none' as const },
        ];
  return { platform, pings, pairs, direct: [], settings: { project: 'PROJECT', placeholder: true }, stop: async () => {} };
}

async function resolveOrPlaceholder(platform: PlatformName, dryRun: boolean, warn: (s: string) => void): Promise<ResolvedPlatform> {
  try {
    const { resolvePlatform } = (await import('../platforms/index.ts')) as { resolvePlatform: (p: PlatformName, o: object) => Promise<ResolvedPlatform> };
    return await resolvePlatform(platform, {});
  } catch (err) {
    if (!dryRun) throw new FlagError((err as Error).message);
    warn(`note: ${platform} is not deployed here (${(err as Error).message.split('\n')[0]}); the manifests below use placeholder URLs.`);
    return placeholderPlatform(platform);
  }
}

class KubectlError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`\`${commandLine(argv)}\` exited with code ${code}: ${stderr.trim()}\n  what to do: is the k6-operator installed in that cluster (see the README), and are your kubectl credentials for it valid (\`gcloud container clusters get-credentials\`)?`);
  }
}

/** --apply runs in the cluster deploy:gke made, with what deploy:gke --distributed set up for the runners. */
function needDistributedSetup(state: DeployState | null, namespace: string, results: ResultsVolume): void {
  if (!state?.gke?.complete) {
    throw new FlagError('distributed --apply runs the k6 runners in the GKE cluster deploy:gke made, and there is none in the deploy state: run `npm run deploy:gke -- --project … --region … --distributed` first');
  }
  if (!state.gke.distributed && (results.kind === 'gcs' || namespace === 's2s-k6')) {
    throw new FlagError('the results bucket, namespace s2s-k6 and the runners\' Workload Identity access are not set up: run `npm run deploy:gke -- --distributed` (it keeps everything else as deployed)');
  }
}

export interface DistributedFlags {
  help: false;
  /** The scenario flags, parsed by the runner's parser (platform and scenario included). */
  flags: RunnerFlags;
  parallelism: number;
  /** As given; the default comes from the deploy state (deploy:gke --distributed), else s2s-k6. */
  namespace: string | undefined;
  results: string | undefined;
  image: string | undefined;
  serviceAccount: string | undefined;
  dryRun: boolean;
}

/** Parses and checks every flag (its own and the scenario's), touching nothing; throws FlagError (one line). */
export function parseDistributedFlags(argv: readonly string[]): DistributedFlags | { help: true } {
  const { own, rest } = splitArgs([...argv]);
  const { values: v } = parseFlags(own, OWN_FLAGS);
  if (v.help) return { help: true };
  if (!v.platform) throw new FlagError('--platform is required: cloudrun, gke or cross');
  if (v.platform === 'local') throw new FlagError('--platform local cannot be distributed: the runner pods could not reach 127.0.0.1. Use npm run scenario:local, or deploy to cloudrun/gke first.');
  if (!v.parallelism) throw new FlagError('--parallelism is required, e.g. --parallelism 4');
  const parallelism = Number(v.parallelism);
  if (!/^\d+$/.test(v.parallelism) || parallelism < 1 || parallelism > 1000) throw valueError('parallelism', v.parallelism, 'must be a whole number from 1 to 1000');
  if (v.apply && v['dry-run']) throw new FlagError('--apply and --dry-run exclude each other');
  if (v.results !== undefined) parseResults(v.results, {}, null);
  const flags = parseRunnerFlags([v.platform, '--scenario', v.scenario ?? 'load', ...rest]);
  if (!flags) return { help: true };
  return { help: false, flags, parallelism, namespace: v.namespace, results: v.results, image: v.image, serviceAccount: v['service-account'], dryRun: !v.apply };
}

export async function main(argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(s);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  try {
    const parsed = parseDistributedFlags(argv);
    if (parsed.help) {
      out(`${HELP}\n`);
      return 0;
    }
    const { flags, dryRun } = parsed;
    for (const warning of flags.warnings) err(`distributed: warning: ${warning}`);
    const v = { namespace: parsed.namespace, results: parsed.results, image: parsed.image, 'service-account': parsed.serviceAccount, parallelism: String(parsed.parallelism) };
    const resolved = await resolveOrPlaceholder(flags.platform, dryRun, err);
    const thresholds = mergeThresholds(defaultThresholds(flags.platform), flags.thresholds);
    const tokenEnv = tokenEnvNames(resolved, flags.scenario);
    const config = buildScenarioConfig({ flags, resolved, thresholds, tokenEnv, summaryPath: '/results/summary.json', tokenBroker: null });
    const tokenKeys = [...Object.values(tokenEnv.pings), ...Object.values(tokenEnv.direct)];
    const seconds = expectedDurationSec(flags);
    if (tokenKeys.length > 0 && seconds !== null && seconds > 50 * 60) {
      err('warning: ID tokens last one hour and runner pods cannot refresh them: keep distributed runs with private targets under 50 minutes.');
    }

    const paths = defaultBuildPaths();
    if (isBuildStale(paths)) await buildScenarios(paths);
    const script = await readFile(path.join(paths.outDir, `${flags.scenario}.js`), 'utf8');
    const name = `s2s-${flags.scenario}-${utcStamp(new Date()).toLowerCase()}`;
    const state = readState(statePath(process.env, process.cwd()));
    const setup = state?.gke?.distributed ?? null;
    const namespace = v.namespace ?? setup?.namespace ?? 's2s-k6';
    const serviceAccount = v['service-account'] ?? setup?.serviceAccount;
    const results = parseResults(v.results, resolved.settings, setup?.bucket ?? null);
    const manifests = buildManifests({
      name,
      namespace,
      scenario: flags.scenario,
      script: script.replace(/\n\/\/# sourceMappingURL=.*$/m, ''),
      config: config as unknown as Record<string, unknown>,
      parallelism: Number(v.parallelism),
      results,
      ...(tokenKeys.length ? { tokenSecret: { name: `${name}-tokens`, keys: tokenKeys } } : {}),
      ...(v.image ? { image: v.image } : {}),
      ...(serviceAccount ? { serviceAccountName: serviceAccount } : {}),
    });
    const yaml = manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
    const manifest: DistributedManifest = {
      name,
      platform: flags.platform,
      scenario: flags.scenario,
      parallelism: Number(v.parallelism),
      createdAt: new Date().toISOString(),
      config: config as unknown as Record<string, unknown>,
      ...(v.image ? { image: v.image } : {}),
    };
    const context = state?.gke ? kubeContext(state.project, state.region, state.gke.cluster) : null;
    const contextArg = ['--context', context ?? 'gke_PROJECT_REGION_CLUSTER'];
    const outDir = path.join(stateDir(process.env, process.cwd()), 'distributed');
    const shown = path.relative(process.cwd(), outDir) || '.';
    const fetch =
      results.kind === 'gcs'
        ? `gcloud storage cp -r gs://${results.bucket}/${name} ${shown}/`
        : `kubectl -n ${namespace} cp <a pod mounting ${results.claimName}>:/results/${name} ${shown}/${name} ${contextArg.join(' ')}`;
    const next = [
      `# then: kubectl -n ${namespace} get testrun ${name} -w ${contextArg.join(' ')}   (until stage "finished")`,
      `#       ${fetch}`,
      `#       npm run collect -- ${shown}/${name}`,
    ];
    const kubectl = (...args: string[]) => ['kubectl', ...args, ...contextArg];
    const checkNs = kubectl('get', 'namespace', namespace);
    const apply = kubectl('apply', '-n', namespace, '-f', '-');
    if (dryRun) {
      out(`# s2s distributed --dry-run: nothing is applied. Commands --apply would run (in the cluster of deploy:gke${context ? '' : ', whose context is not known here yet'}):\n`);
      out(`#   ${commandLine(checkNs)}   (the namespace deploy:gke --distributed made)\n`);
      if (tokenKeys.length) out(`#   ${commandLine(apply)}   (Secret ${name}-tokens: ${tokenKeys.join(', ')} minted at apply time, sent on stdin)\n`);
      out(`#   ${commandLine(apply)}   (the manifests below, sent on stdin)\n${next.join('\n')}\n---\n${yaml}`);
      return 0;
    }

    needDistributedSetup(state, namespace, results);
    const run = async (argv: string[], input?: string) => {
      const r = await runCommand(argv, input === undefined ? {} : { input });
      if (r.exitCode !== 0) throw new KubectlError(argv, r.exitCode, r.stderr);
      return r;
    };
    await run(checkNs).catch((e: unknown) => {
      throw e instanceof KubectlError
        ? new KubectlError(e.argv, e.code, `${e.stderr.trim()}\nnamespace ${namespace} is missing: \`npm run deploy:gke -- --distributed\` makes s2s-k6 (a --namespace of your own must exist)`)
        : e;
    });
    if (tokenKeys.length) {
      const { openPlatform } = await import('../runner/platform.ts');
      const session = await openPlatform(flags.platform, { pongDelayMs: null, pingEnv: {}, log: err, notice: err });
      const data: Record<string, string> = {};
      for (const p of resolved.pings) if (tokenEnv.pings[p.source]) data[tokenEnv.pings[p.source]!] = await session.tokens(p.url);
      for (const d of resolved.direct) if (tokenEnv.direct[d.name]) data[tokenEnv.direct[d.name]!] = await session.tokens(d.url);
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-tokens`, namespace }, type: 'Opaque', stringData: data };
      await run(apply, JSON.stringify(secret));
    }
    await run(apply, yaml);
    const dir = path.join(outDir, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    out(`applied TestRun ${name} in namespace ${namespace} of ${context} (${v.parallelism} runners)\n${next.join('\n').replace(/^# ?/gm, '')}\n`);
    return 0;
  } catch (e) {
    if (e instanceof FlagError || e instanceof DistributedConfigError) {
      err(`distributed: ${(e as Error).message}`);
      return e instanceof ThresholdFlagError ? 104 : 2;
    }
    if (e instanceof KubectlError) {
      err(`distributed: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
