// A small kustomize renderer for exactly the subset deploy/gke uses (resources, components, images,
// strategic-merge patches of maps and name-keyed lists), so --dry-run and the tests see the manifests that
// `kubectl apply -k` applies without needing kubectl. Anything outside the subset is an error, not a guess.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

export interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
}

/** A kustomization as data (the file, or one generated in memory by gke.ts). */
export interface Kustomization {
  apiVersion?: string;
  kind?: 'Kustomization' | 'Component';
  resources?: string[];
  components?: string[];
  images?: ImageOverride[];
  patches?: Array<{ path?: string; patch?: string }>;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'components', 'images', 'patches']);

export class KustomizeError extends Error {
  override name = 'KustomizeError';
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    throw new KustomizeError(`kustomize: ${path} does not exist`);
  }
}

function readYamlDocs(path: string): K8sObject[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  const out: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new KustomizeError(`kustomize: ${path}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value === null) continue;
    if (!value.kind || !value.metadata?.name) throw new KustomizeError(`kustomize: ${path}: every document needs kind and metadata.name`);
    out.push(value);
  }
  return out;
}

export function readKustomization(dir: string): Kustomization {
  const path = join(dir, 'kustomization.yaml');
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  const k = (docs[0]?.toJS() ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) throw new KustomizeError(`kustomize: ${path}: field "${key}" is outside the subset this renderer supports (${[...SUPPORTED].join(', ')})`);
  }
  return k as Kustomization;
}

type Json = unknown;

function isMap(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strategic merge as Kubernetes does it for our fields: maps merge, lists of maps merge by `name`, null deletes. */
export function strategicMerge(base: Json, patch: Json): Json {
  if (isMap(base) && isMap(patch)) {
    const out: Record<string, Json> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in base ? strategicMerge(base[key], value) : value;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => isMap(p) && typeof p['name'] === 'string')) {
    const out = base.map((item) => item as Json);
    for (const item of patch as Array<Record<string, Json>>) {
      const at = out.findIndex((b) => isMap(b) && b['name'] === item['name']);
      if (at >= 0) out[at] = strategicMerge(out[at], item);
      else out.push(item);
    }
    return out;
  }
  return patch;
}

function applyPatch(objects: K8sObject[], patch: K8sObject, origin: string): K8sObject[] {
  const at = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
  if (at < 0) throw new KustomizeError(`kustomize: patch ${origin} targets ${patch.kind}/${patch.metadata.name}, which no resource defines`);
  const out = [...objects];
  out[at] = strategicMerge(out[at], patch) as K8sObject;
  return out;
}

function applyImages(objects: K8sObject[], images: ImageOverride[]): K8sObject[] {
  const rewrite = (image: string): string => {
    const name = image.replace(/[:@].*$/, '');
    const rule = images.find((i) => i.name === name);
    if (!rule) return image;
    return `${rule.newName ?? name}:${rule.newTag ?? 'latest'}`;
  };
  return objects.map((o) => {
    const podSpec = (o['spec'] as { template?: { spec?: { containers?: Array<{ image?: string }> } } } | undefined)?.template?.spec;
    if (!podSpec?.containers) return o;
    const copy = structuredClone(o);
    const spec = (copy['spec'] as { template: { spec: { containers: Array<{ image?: string }> } } }).template.spec;
    for (const c of spec.containers) if (c.image) c.image = rewrite(c.image);
    return copy;
  });
}

function renderInto(dir: string, k: Kustomization, acc: K8sObject[]): K8sObject[] {
  let objects = acc;
  for (const entry of k.resources ?? []) {
    const path = isAbsolute(entry) ? entry : resolve(dir, entry);
    if (isDir(path)) objects = [...objects, ...renderInto(path, readKustomization(path), [])];
    else objects = [...objects, ...readYamlDocs(path)];
  }
  for (const entry of k.components ?? []) {
    const path = isAbsolute(entry) ? entry : resolve(dir, entry);
    const component = readKustomization(path);
    if (component.kind !== 'Component') throw new KustomizeError(`kustomize: ${path} is listed under components but is not kind: Component`);
    objects = renderInto(path, component, objects);
  }
  for (const p of k.patches ?? []) {
    const patches = p.path !== undefined ? readYamlDocs(resolve(dir, p.path)) : parseAllDocuments(p.patch ?? '').map((d) => d.toJS() as K8sObject);
    for (const patch of patches) objects = applyPatch(objects, patch, p.path ?? 'inline');
  }
  if (k.images) objects = applyImages(objects, k.images);
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(id)) throw new KustomizeError(`kustomize: ${id} is defined twice (under ${dir})`);
    seen.add(id);
  }
  return objects;
}

// kustomize's default ("legacy") order: namespaces and identities before the workloads that use them;
// kinds it does not know (Istio's) go between, by group_version_kind; then by name and namespace.
const ORDER_FIRST = [
  'Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount', 'PodSecurityPolicy', 'Role',
  'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Endpoints', 'Service', 'LimitRange',
  'PriorityClass', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget',
];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function rank(kind: string): number {
  const first = ORDER_FIRST.indexOf(kind);
  if (first >= 0) return first;
  const last = ORDER_LAST.indexOf(kind);
  return last >= 0 ? ORDER_FIRST.length + 1 + last : ORDER_FIRST.length;
}

function gvkString(o: K8sObject): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return `${group}_${version}_${o.kind}`;
}

function compare(a: K8sObject, b: K8sObject): number {
  const byRank = rank(a.kind) - rank(b.kind);
  if (byRank !== 0) return byRank;
  if (rank(a.kind) === ORDER_FIRST.length && gvkString(a) !== gvkString(b)) return gvkString(a) < gvkString(b) ? -1 : 1;
  const byName = a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
  if (byName !== 0) return byName;
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Renders a kustomization directory (or an in-memory one rooted at `dir`) to objects, in apply order. */
export function renderKustomization(dir: string, k: Kustomization = readKustomization(dir)): K8sObject[] {
  return [...renderInto(dir, k, [])].sort(compare);
}

export function toYamlStream(objects: K8sObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
