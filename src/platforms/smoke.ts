// The post-deploy smoke check: before anything is measured, prove that the security layer refuses a caller
// it must refuse and lets ping through. Cloud Run: an ID token of `s2s-smoke` (an account with no role) gets
// 403 from pong-sec while ping (as ping-sa) gets through. GKE: a pod in the mesh under another Kubernetes
// service account is refused by pong-sec, ping is not, and the pods have (sidecar) or lack (ambient) an
// Envoy. The verdict goes into the deploy state; a scenario refuses a deploy whose check failed.
import { stringify } from 'yaml';
import type { PingResult } from '../contract/ping.ts';
import { smokeResultSchema, type SmokeCheck, type SmokeResult } from './deploy/state.ts';

/** The name of the refused caller: a Cloud Run service account, and a GKE Kubernetes service account + pod. */
export const SMOKE_NAME = 's2s-smoke';

/** An IAM member for the account gcloud is logged in as (a person, or a service account under CI). */
export function memberFor(account: string): string {
  const a = account.trim();
  if (!/^[^@\s]+@[^@\s]+$/.test(a)) {
    throw new Error(`gcloud has no active account (\`gcloud config get-value account\` said ${JSON.stringify(a)}): run \`gcloud auth login\``);
  }
  return `${a.endsWith('.gserviceaccount.com') ? 'serviceAccount' : 'user'}:${a}`;
}

export interface HttpAnswer {
  status: number | null;
  /** Transport error code (ECONNRESET, UND_ERR_SOCKET, TimeoutError…) when there was no answer. */
  error: string | null;
  body: string;
}

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

export interface SmokeIo {
  fetch?: FetchLike;
  /** Per request (default 20 s). */
  timeoutMs?: number;
  /** How many rounds before the verdict is final (IAM bindings can take a minute to apply), and the pause between. */
  attempts?: number;
  delayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function get(url: string, headers: Record<string, string>, io: SmokeIo): Promise<HttpAnswer> {
  const doFetch = io.fetch ?? (fetch as FetchLike);
  try {
    const res = await doFetch(url, { headers, signal: AbortSignal.timeout(io.timeoutMs ?? 20_000) });
    return { status: res.status, error: null, body: await res.text() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { status: null, error: e.cause?.code ?? e.name, body: '' };
  }
}

function said(a: HttpAnswer): string {
  return a.status !== null ? `HTTP ${a.status}` : `no answer (${a.error})`;
}

/** Ping asked for one call to pong-sec: did that call succeed? (ping itself answers 200 either way.) */
export function pingCheck(name: string, answer: HttpAnswer, identity: string): SmokeCheck {
  if (answer.status !== 200) return { name, ok: false, detail: `ping answered ${said(answer)}, not 200: is ping up and reachable?` };
  let result: PingResult;
  try {
    result = JSON.parse(answer.body) as PingResult;
  } catch {
    return { name, ok: false, detail: 'ping answered 200 but not with its JSON result' };
  }
  const first = result.first?.status ?? null;
  if (result.errors?.total === 0 && first !== null && first >= 200 && first < 300) {
    return { name, ok: true, detail: `pong-sec answered ${first} to ping (${identity})` };
  }
  const why = first !== null ? `HTTP ${first}` : (result.first?.errorCode ?? result.first?.error ?? 'an error');
  return { name, ok: false, detail: `pong-sec refused ping (${identity}) with ${why}: the identity ping calls with is not allowed, or not yet (IAM and mesh policies take a minute; run the same deploy again)` };
}

function verdict(layer: SmokeResult['layer'], checks: SmokeCheck[], io: SmokeIo): SmokeResult {
  return { ok: checks.every((c) => c.ok), checkedAt: (io.now?.() ?? new Date()).toISOString(), layer, checks };
}

/** Repeats a round until it passes or the attempts are used up (a fresh IAM binding or policy may lag). */
async function settle(round: () => Promise<SmokeResult>, io: SmokeIo): Promise<SmokeResult> {
  const attempts = Math.max(1, io.attempts ?? 1);
  let last = await round();
  for (let i = 1; i < attempts && !last.ok; i++) {
    await (io.sleep ?? realSleep)(io.delayMs ?? 10_000);
    last = await round();
  }
  return last;
}

export interface CloudRunSmokeInput {
  pingUrl: string;
  pongSecUrl: string;
  /** An ID token of s2s-smoke for pong-sec's audience (never logged). */
  smokeToken: string;
  /** The runner's ID token for a private ping, else null. */
  pingToken: string | null;
  /** False with --ping-ingress internal: ping only answers inside the VPC, so this machine cannot ask it. */
  pingReachable?: boolean;
}

export async function cloudRunSmoke(input: CloudRunSmokeInput, io: SmokeIo = {}): Promise<SmokeResult> {
  return settle(async () => {
    const refused = await get(`${input.pongSecUrl}/pong`, { authorization: `Bearer ${input.smokeToken}` }, io);
    const anonymous = await get(`${input.pongSecUrl}/pong`, {}, io);
    const pingName = 'ping (ping-sa) → pong-sec';
    const viaPing: SmokeCheck =
      input.pingReachable === false
        ? { name: pingName, ok: true, detail: 'not checked from here: ping has ingress internal and answers only inside the VPC (the refusals above are proven; run the scenario from inside the VPC)' }
        : pingCheck(pingName, await get(`${input.pingUrl}/ping?target=pong-sec&count=1&auth=id-token`, input.pingToken ? { authorization: `Bearer ${input.pingToken}` } : {}, io), 'ping-sa');
    return verdict('id-token', [
      refused.status === 403
        ? { name: `${SMOKE_NAME} → pong-sec`, ok: true, detail: `403: Cloud Run's IAM check refuses an authenticated account without roles/run.invoker` }
        : { name: `${SMOKE_NAME} → pong-sec`, ok: false, detail: `expected 403, got ${said(refused)}: pong-sec lets an account with no role in (is allUsers or allAuthenticatedUsers an invoker of latency-pong-sec?)` },
      anonymous.status === 403 || anonymous.status === 401
        ? { name: 'no token → pong-sec', ok: true, detail: `${anonymous.status}: no anonymous access` }
        : { name: 'no token → pong-sec', ok: false, detail: `expected 401/403, got ${said(anonymous)}: pong-sec is open to anyone` },
      viaPing,
    ], io);
  }, io);
}

export type MeshMode = 'sidecar' | 'ambient' | 'none';

/** In-cluster URLs the smoke pod calls. */
export function inClusterUrl(service: 'pong-sec' | 'pong-unsec', namespace: string): string {
  return `http://${service}.${namespace}.svc.cluster.local/pong`;
}

/**
 * What the smoke pod runs (`node -e`, one line: it travels as one argument of `kubectl exec`): one GET to each
 * pong, printing `{"pong-sec":{"status":403},"pong-unsec":{"status":200}}` or `{"error":"ECONNRESET"}` per pong.
 */
export function smokeProbeScript(namespace: string): string {
  const urls = { 'pong-sec': inClusterUrl('pong-sec', namespace), 'pong-unsec': inClusterUrl('pong-unsec', namespace) };
  return (
    'const t=async(u)=>{try{const r=await fetch(u,{signal:AbortSignal.timeout(10000)});await r.arrayBuffer();return{status:r.status}}' +
    'catch(e){return{error:String((e.cause&&e.cause.code)||e.name)}}};' +
    `(async()=>{console.log(JSON.stringify({"pong-sec":await t(${JSON.stringify(urls['pong-sec'])}),"pong-unsec":await t(${JSON.stringify(urls['pong-unsec'])})}))})()`
  );
}

/** The node binary of the distroless image (its PATH does not include it). */
export const IMAGE_NODE = '/nodejs/bin/node';

/** The smoke pod: the app image idling, in the mesh, under its own Kubernetes service account. */
export function smokePodManifest(namespace: string, image: string): string {
  const labels = { app: SMOKE_NAME, 's2s.dev/role': 'smoke', 'app.kubernetes.io/part-of': 's2s-latency' };
  const box = { cpu: '250m', memory: '512Mi' };
  const docs = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SMOKE_NAME, namespace, labels }, automountServiceAccountToken: false },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: SMOKE_NAME, namespace, labels },
      spec: {
        serviceAccountName: SMOKE_NAME,
        automountServiceAccountToken: false,
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 5,
        securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'app',
            image,
            // The image's entrypoint is node: idle until `kubectl exec` runs the probe, then deleted.
            args: ['-e', 'setInterval(() => {}, 1 << 30)'],
            resources: { requests: box, limits: box },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    },
  ];
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

interface PodList {
  items?: Array<{
    metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: { containers?: Array<{ name?: string }>; initContainers?: Array<{ name?: string }> };
  }>;
}

/** Sidecar mode: every pod carries istio-proxy (as a container or a native sidecar); ambient: none does and ztunnel captures each. */
export function dataPlaneCheck(podsJson: string, mesh: Exclude<MeshMode, 'none'>): SmokeCheck {
  const name = mesh === 'sidecar' ? 'every pod has an Envoy sidecar' : 'no pod has a sidecar; ztunnel captures each';
  let list: PodList;
  try {
    list = JSON.parse(podsJson) as PodList;
  } catch {
    return { name, ok: false, detail: '`kubectl get pods -o json` did not answer JSON' };
  }
  const pods = (list.items ?? []).filter((p) => p.metadata?.labels?.['s2s.dev/role'] !== undefined);
  if (pods.length === 0) return { name, ok: false, detail: 'no s2s pods found in the namespace' };
  const hasProxy = (p: (typeof pods)[number]) => [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])].some((c) => c.name === 'istio-proxy');
  const podName = (p: (typeof pods)[number]) => p.metadata?.name ?? '?';
  if (mesh === 'sidecar') {
    const without = pods.filter((p) => !hasProxy(p));
    return without.length === 0
      ? { name, ok: true, detail: `${pods.length} pods, each with istio-proxy` }
      : { name, ok: false, detail: `no istio-proxy in ${without.map(podName).join(', ')}: is the namespace labelled istio-injection=enabled and the managed control plane ACTIVE? (pods made before that need a restart)` };
  }
  const withProxy = pods.filter(hasProxy);
  const uncaptured = pods.filter((p) => p.metadata?.annotations?.['ambient.istio.io/redirection'] !== 'enabled');
  if (withProxy.length > 0) return { name, ok: false, detail: `${withProxy.map(podName).join(', ')} carry istio-proxy: ambient pods must not have a sidecar` };
  if (uncaptured.length > 0) return { name, ok: false, detail: `${uncaptured.map(podName).join(', ')} lack ambient.istio.io/redirection=enabled: istio-cni did not capture them (is the namespace labelled istio.io/dataplane-mode=ambient?)` };
  return { name, ok: true, detail: `${pods.length} pods, none with a sidecar, each captured by ztunnel` };
}

type ProbeAnswer = { status?: number; error?: string };

/** Transport failures that mean "the connection was refused by policy" under ambient (ztunnel denies at L4). */
const L4_DENIALS = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_CLOSED']);

/** Reads what the smoke pod saw: pong-unsec must answer (the pod is in the mesh), pong-sec must refuse it. */
export function refusalChecks(probeJson: string, mesh: Exclude<MeshMode, 'none'>): SmokeCheck[] {
  let probe: Record<string, ProbeAnswer>;
  try {
    probe = JSON.parse(probeJson) as Record<string, ProbeAnswer>;
  } catch {
    return [{ name: `${SMOKE_NAME} → pong-sec`, ok: false, detail: `the smoke pod printed no result (${probeJson.slice(0, 200)})` }];
  }
  const show = (a: ProbeAnswer | undefined) => (a?.status !== undefined ? `HTTP ${a.status}` : `no answer (${a?.error ?? '?'})`);
  const unsec = probe['pong-unsec'];
  const sec = probe['pong-sec'];
  const reach: SmokeCheck =
    unsec?.status === 200
      ? { name: `${SMOKE_NAME} → pong-unsec`, ok: true, detail: '200: the smoke pod reaches the mesh' }
      : { name: `${SMOKE_NAME} → pong-unsec`, ok: false, detail: `expected 200, got ${show(unsec)}: the smoke pod cannot reach pong-unsec, so a refusal by pong-sec would prove nothing` };
  let refused: SmokeCheck;
  if (mesh === 'sidecar') {
    refused =
      sec?.status === 403
        ? { name: `${SMOKE_NAME} → pong-sec`, ok: true, detail: "403: pong-sec's AuthorizationPolicy refuses a mesh identity other than ping-sa" }
        : { name: `${SMOKE_NAME} → pong-sec`, ok: false, detail: `expected 403, got ${show(sec)}: pong-sec does not enforce its AuthorizationPolicy (is it applied, and is pong-sec's sidecar there?)` };
  } else {
    refused =
      sec?.error !== undefined && L4_DENIALS.has(sec.error)
        ? { name: `${SMOKE_NAME} → pong-sec`, ok: true, detail: `connection closed (${sec.error}): ztunnel refuses a mesh identity other than ping-sa at L4 (no waypoint, so no HTTP 403)` }
        : { name: `${SMOKE_NAME} → pong-sec`, ok: false, detail: `expected the connection to be closed by ztunnel, got ${show(sec)}: pong-sec does not enforce its AuthorizationPolicy` };
  }
  return [reach, refused];
}

export interface GkeSmokeInput {
  mesh: MeshMode;
  pingUrl: string;
  /** `kubectl get pods -o json` of the namespace (sidecar/ambient). */
  podsJson?: string;
  /** What the smoke pod printed (sidecar/ambient). */
  probeJson?: string;
}

export async function gkeSmoke(input: GkeSmokeInput, io: SmokeIo = {}): Promise<SmokeResult> {
  return settle(async () => {
    const viaPing = pingCheck('ping (ping-sa) → pong-sec', await get(`${input.pingUrl}/ping?target=pong-sec&count=1&auth=none`, {}, io), 'Kubernetes service account ping-sa');
    if (input.mesh === 'none') {
      return verdict('none', [viaPing, { name: 'security layer', ok: true, detail: 'pong-sec has no security layer (--mesh none, the no-mesh baseline): any caller gets in' }], io);
    }
    return verdict('mesh-mtls', [dataPlaneCheck(input.podsJson ?? '', input.mesh), ...refusalChecks(input.probeJson ?? '', input.mesh), viaPing], io);
  }, io);
}

/** The smoke verdict a deploy step captured (JSON), or null. */
export function smokeFrom(vars: Record<string, string>, name: string): SmokeResult | null {
  const text = vars[name];
  if (!text) return null;
  const parsed = smokeResultSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** One line for the terminal per check, and the verdict. */
export function formatSmoke(platform: string, result: SmokeResult): string {
  const lines = [`smoke check (${platform}): ${result.ok ? 'passed' : 'FAILED'}`];
  for (const c of result.checks) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  return `${lines.join('\n')}\n`;
}

/** Why a scenario must not start on this deploy, or null when its smoke check passed. */
export function smokeRefusal(platform: 'cloudrun' | 'gke', smoke: SmokeResult | null): string | null {
  const redeploy = `npm run deploy:${platform}`;
  if (smoke === null) return `the ${platform} deploy has no smoke check on record: run \`${redeploy}\` again (it re-runs the check; finished steps are skipped)`;
  if (smoke.ok) return null;
  const failed = smoke.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ');
  return `the ${platform} deploy failed its smoke check (${smoke.checkedAt}): ${failed}. Fix it and run \`${redeploy}\` again`;
}
