// Every kind deploy applies, with its real schema: kubernetes-models for Kubernetes, @kubernetes-models/istio for
// Istio, @kubernetes-models/knative (the Knative Serving CRD's openAPI schema) for Cloud Run's Service YAML.
// A kind without a model is an error: add its schema before deploying it.
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import type { K8sObject } from '../../src/platforms/deploy/kustomize.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Model = new (data: any) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ResourceQuota': ResourceQuota,
  'v1/Pod': Pod,
  'apps/v1/Deployment': Deployment,
  'security.istio.io/v1beta1/PeerAuthentication': PeerAuthentication,
  'security.istio.io/v1/AuthorizationPolicy': AuthorizationPolicy,
  'serving.knative.dev/v1/Service': KnativeService,
};

export function validate(o: K8sObject): void {
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) throw new Error(`no schema model for ${o.apiVersion} ${o.kind}: add one before deploying this kind`);
  new Model(o).validate();
}
