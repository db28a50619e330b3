// The deploy state file: what deploy made and where it lives (project, region, URLs, mesh), kept outside
// results/ and git (`.s2s/state.json`, or `$S2S_STATE_DIR/state.json`) so scenarios and teardown can read it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { CreatedResource } from './plan.ts';

const argv = z.array(z.string()).min(1);

const created = z.object({
  platform: z.enum(['cloudrun', 'gke', 'shared']),
  kind: z.string(),
  name: z.string(),
  deleteArgv: argv,
  confirm: z.boolean().optional(),
  before: z.array(argv).optional(),
  after: z.object({ argv, what: z.string(), attempts: z.number().int().min(1), delayMs: z.number().min(0) }).optional(),
});

/** One finding of the post-deploy smoke check. */
const smokeCheck = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() });

/** What the smoke check proved about the security layer; a scenario refuses a deploy whose check failed. */
export const smokeResultSchema = z.object({
  ok: z.boolean(),
  checkedAt: z.string(),
  /** The layer the check was about: Cloud Run's IAM check, the mesh, or none (then it says so). */
  layer: z.enum(['id-token', 'mesh-mtls', 'none']),
  checks: z.array(smokeCheck),
});
export type SmokeResult = z.infer<typeof smokeResultSchema>;
export type SmokeCheck = z.infer<typeof smokeCheck>;

const cloudrunState = z.object({
  /** Service URLs by role: ping, pong-sec, pong-unsec. */
  urls: z.record(z.string(), z.string()),
  pingIngress: z.enum(['all', 'internal']),
  /** True when the runner needs an ID token to call ping. */
  pingPrivate: z.boolean(),
  vpcEgress: z.string().nullable(),
  cpu: z.string(),
  memory: z.string(),
  minInstances: z.number().int(),
  image: z.string(),
  complete: z.boolean(),
  /** Null until the smoke check ran (a state written before it existed reads as never checked). */
  smoke: smokeResultSchema.nullable().default(null),
});

const gkeState = z.object({
  cluster: z.string(),
  namespace: z.string(),
  mesh: z.enum(['sidecar', 'ambient', 'none']),
  meshInstall: z.enum(['fleet', 'asmcli', 'istioctl', 'none']),
  clusterMode: z.enum(['autopilot', 'standard']).default('autopilot'),
  /** Node machine type of a Standard cluster; null on Autopilot. */
  machineType: z.string().nullable().default(null),
  /** What deploy:gke --distributed made for the k6-operator runners. */
  distributed: z.object({ bucket: z.string(), namespace: z.string(), serviceAccount: z.string() }).nullable().default(null),
  /** http://<LB IP> of ping. */
  pingUrl: z.string().nullable(),
  /** http://<internal LB IP> of ping, when cross wiring made one for Direct VPC egress. */
  pingInternalUrl: z.string().nullable(),
  cpu: z.string(),
  memory: z.string(),
  image: z.string(),
  complete: z.boolean(),
  smoke: smokeResultSchema.nullable().default(null),
});

const crossState = z.object({
  /** Allow-list entries added to each ping: name → URL. */
  gkeTargets: z.record(z.string(), z.string()),
  cloudrunTargets: z.record(z.string(), z.string()),
  complete: z.boolean(),
});

export const deployStateSchema = z.object({
  version: z.literal(1),
  project: z.string(),
  region: z.string(),
  updatedAt: z.string(),
  created: z.array(created),
  cloudrun: cloudrunState.nullable(),
  gke: gkeState.nullable(),
  cross: crossState.nullable(),
});

export type DeployState = z.infer<typeof deployStateSchema>;
export type CloudRunState = z.infer<typeof cloudrunState>;
export type GkeState = z.infer<typeof gkeState>;
export type CrossState = z.infer<typeof crossState>;

export class StateFileError extends Error {
  override name = 'StateFileError';
}

/** Directory of the state file: $S2S_STATE_DIR or `<cwd>/.s2s`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const dir = env['S2S_STATE_DIR']?.trim();
  return dir ? resolve(cwd, dir) : join(cwd, '.s2s');
}

export function statePath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return join(stateDir(env, cwd), 'state.json');
}

/** Reads the state; null when there is none yet. A damaged file is an error that names it. */
export function readState(path: string): DeployState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError(`cannot read deploy state ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(`deploy state ${path} is not valid JSON; fix or delete it (resources it listed must then be deleted by hand)`, { cause: err });
  }
  const parsed = deployStateSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new StateFileError(`deploy state ${path} does not match its schema (${where}); fix or delete it`);
  }
  return parsed.data;
}

/** Writes atomically (temp file + rename), so an interrupted deploy never leaves half a file. */
export function writeState(path: string, state: DeployState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function emptyState(project: string, region: string): DeployState {
  return { version: 1, project, region, updatedAt: new Date().toISOString(), created: [], cloudrun: null, gke: null, cross: null };
}

/** Loads the state for a deploy to project/region; refuses to mix two projects or regions in one state file. */
export function stateFor(path: string, project: string, region: string): DeployState {
  const state = readState(path);
  if (state === null) return emptyState(project, region);
  if (state.project !== project || state.region !== region) {
    throw new StateFileError(
      `deploy state ${path} belongs to --project ${state.project} --region ${state.region}, not --project ${project} --region ${region}; ` +
        `run \`npm run teardown:all\` first, or set S2S_STATE_DIR to another directory for a second deployment`,
    );
  }
  return state;
}

export function sameResource(a: CreatedResource, b: CreatedResource): boolean {
  return a.platform === b.platform && a.kind === b.kind && a.name === b.name;
}

/** Adds a created resource once. */
export function recordCreated(state: DeployState, resource: CreatedResource): void {
  if (!state.created.some((r) => sameResource(r, resource))) state.created.push(resource);
}
