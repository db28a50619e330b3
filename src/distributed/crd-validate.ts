// Validates TestRun manifests against the k6-operator's own CRD schema (openAPIV3Schema), so generated
// manifests are checked the way the API server would check them.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

export function testRunValidator(crdPath: string): ValidateFunction {
  const crd = parse(readFileSync(crdPath, 'utf8'));
  const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1');
  if (!version) throw new Error(`${crdPath}: no v1alpha1 version in the TestRun CRD`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  // OpenAPI formats Kubernetes uses; ajv only needs to accept them.
  for (const f of ['int32', 'int64', 'int-or-string', 'date-time', 'byte']) ajv.addFormat(f, true);
  return ajv.compile(version.schema.openAPIV3Schema);
}
