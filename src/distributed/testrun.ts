// Manifests for a distributed run on the k6-operator: the built script in a ConfigMap, a TestRun
// with `parallelism` runners that are kept out of the mesh, each writing its own `--out json` file
// to a shared results volume, and ID tokens only ever referenced from a Secret.
import { Buffer } from 'node:buffer';

/** Kubernetes refuses ConfigMaps whose data exceed 1 MiB. */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

export type ResultsVolume =
  /** A Cloud Storage bucket mounted with the GKE Cloud Storage FUSE CSI driver (default: pay per use). */
  | { kind: 'gcs'; bucket: string }
  /** An existing ReadWriteMany PersistentVolumeClaim (e.g. Filestore; note its minimum size and cost). */
  | { kind: 'pvc'; claimName: string };

export interface DistributedOptions {
  /** Base name, e.g. "s2s-load-20261129t150000z" (lowercase DNS label). */
  name: string;
  namespace: string;
  scenario: string;
  /** Built k6 script (build/<scenario>.js). */
  script: string;
  /** Run config object the scenario reads (S2S_CONFIG); must not contain tokens. */
  config: Record<string, unknown>;
  parallelism: number;
  results: ResultsVolume;
  /** Name of the Secret holding ID tokens (key per env var), when targets are private. */
  tokenSecret?: { name: string; keys: string[] };
  /** Runner image; the k6-operator default when absent. */
  image?: string;
  /** Kubernetes service account for the runners (needs write access to the bucket for gcs). */
  serviceAccountName?: string;
  /** CPU/memory per runner (requests = limits). */
  runnerCpu?: string;
  runnerMemory?: string;
}

export class DistributedConfigError extends Error {}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The script and config travel base64-encoded in `arguments`: no quoting issues whatever the shell. */
export function configArgument(config: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(config), 'utf8').toString('base64');
}

export function buildManifests(o: DistributedOptions): Array<Record<string, unknown>> {
  if (!Number.isInteger(o.parallelism) || o.parallelism < 1 || o.parallelism > 1000) {
    throw new DistributedConfigError(`--parallelism must be a whole number from 1 to 1000 (got ${o.parallelism})`);
  }
  if (!DNS_LABEL.test(o.name) || o.name.length > 50) {
    throw new DistributedConfigError(`run name "${o.name}" must be a lowercase DNS label of at most 50 characters`);
  }
  if (!DNS_LABEL.test(o.namespace)) throw new DistributedConfigError(`--namespace "${o.namespace}" must be a lowercase DNS label`);
  const file = `${o.scenario}.js`;
  const scriptBytes = Buffer.byteLength(o.script, 'utf8') + Buffer.byteLength(file, 'utf8');
  if (scriptBytes > CONFIGMAP_LIMIT_BYTES) {
    throw new DistributedConfigError(
      `the built script ${file} is ${(scriptBytes / 1024).toFixed(0)} KiB, over the 1 MiB ConfigMap limit; ` +
        'shrink it (npm run build minifies with --minify) or ship it in a volume (TestRun spec.script.volumeClaim)',
    );
  }
  const labels = { 'app.kubernetes.io/name': 's2s-latency', 'app.kubernetes.io/component': 'k6-runner', 's2s-latency/run': o.name };

  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${o.name}-script`, namespace: o.namespace, labels },
    data: { [file]: o.script },
  };

  const env: Array<Record<string, unknown>> = [
    // Each runner writes into its own sub-folder of the shared volume (subPathExpr below).
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
  for (const key of o.tokenSecret?.keys ?? []) {
    env.push({ name: key, valueFrom: { secretKeyRef: { name: o.tokenSecret!.name, key } } });
  }
  const volume =
    o.results.kind === 'gcs'
      ? {
          name: 'results',
          csi: { driver: 'gcsfuse.csi.storage.gke.io', volumeAttributes: { bucketName: o.results.bucket, mountOptions: 'implicit-dirs' } },
        }
      : { name: 'results', persistentVolumeClaim: { claimName: o.results.claimName } };

  const resources = { cpu: o.runnerCpu ?? '1', memory: o.runnerMemory ?? '1Gi' };
  const runner: Record<string, unknown> = {
    metadata: {
      labels: { ...labels, 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none' },
      annotations: {
        // The load generator must not pay the mesh's cost itself, in sidecar or ambient mode.
        'sidecar.istio.io/inject': 'false',
        ...(o.results.kind === 'gcs' ? { 'gke-gcsfuse/volumes': 'true' } : {}),
      },
    },
    env,
    // The root filesystem is read-only: k6 gets a scratch /tmp.
    volumes: [volume, { name: 'tmp', emptyDir: {} }],
    volumeMounts: [
      { name: 'results', mountPath: '/results', subPathExpr: `${o.name}/$(POD_NAME)` },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    resources: { requests: resources, limits: resources },
    securityContext: { runAsNonRoot: true, runAsUser: 12345, fsGroup: 12345 },
    containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  };
  if (o.image) runner.image = o.image;
  if (o.serviceAccountName) runner.serviceAccountName = o.serviceAccountName;

  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      parallelism: o.parallelism,
      script: { configMap: { name: configMap.metadata.name, file } },
      // Thresholds are evaluated once, globally, by `npm run collect` over all runners' outputs:
      // each runner alone only sees its share of the samples.
      arguments: [
        '--out json=/results/out.ndjson.gz',
        '--no-thresholds',
        `--tag testid=${o.name}`,
        `-e S2S_CONFIG_B64=${configArgument(o.config)}`,
      ].join(' '),
      separate: false,
      runner,
    },
  };
  return [configMap, testRun];
}
