// The acceptance commands as real processes (`npm run deploy:* -- … --dry-run`): complete plans on stdout,
// exit 0, and nothing touched — the stand-in CLIs first on PATH record zero calls and no state is written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/platforms/deploy/context.ts';
import { createFakeClis, type FakeClis } from '../fakes/index.ts';

let fake: FakeClis;
let stateDir: string;
beforeAll(() => {
  fake = createFakeClis([{ exitCode: 1, stderr: 'a --dry-run must not run me\n' }]);
  stateDir = mkdtempSync(join(tmpdir(), 's2s-dry-'));
});
afterAll(() => {
  fake.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

function npmRun(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', script, '--', ...args], { cwd: REPO_ROOT, env: { ...fake.env, S2S_STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('--dry-run as a real process', () => {
  it('deploy:cloudrun prints the service account, the invoker binding and the three services', async () => {
    const r = await npmRun('deploy:cloudrun', ['--project', 'demo', '--region', 'us-central1', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const expected of [
      '$ gcloud services enable run.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com iam.googleapis.com --project demo',
      '$ gcloud iam service-accounts create ping-sa',
      '$ gcloud builds submit --config deploy/cloudbuild.yaml',
      '$ gcloud run services add-iam-policy-binding latency-pong-sec --member=serviceAccount:ping-sa@demo.iam.gserviceaccount.com --role=roles/run.invoker --region us-central1 --project demo',
      '$ gcloud run services add-iam-policy-binding latency-pong-unsec --member=allUsers --role=roles/run.invoker',
      "$ gcloud run services describe latency-pong-sec --region us-central1 --project demo '--format=value(status.url)'",
      'name: latency-ping',
      'name: latency-pong-sec',
      'name: latency-pong-unsec',
      'autoscaling.knative.dev/minScale: "1"',
      'run.googleapis.com/cpu-throttling: "false"',
      'serviceAccountName: ping-sa@demo.iam.gserviceaccount.com',
      'value: pong-sec={{cloudrun.url.pong-sec}},pong-unsec={{cloudrun.url.pong-unsec}}',
    ]) {
      expect(r.stdout).toContain(expected);
    }
    expect(r.stdout.match(/\$ gcloud run services replace/g)).toHaveLength(3);
    expect(fake.calls()).toEqual([]);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
  });

  it('deploy:gke --mesh sidecar prints the cluster, the mesh, the namespace label and the policies', async () => {
    const r = await npmRun('deploy:gke', ['--project', 'demo', '--region', 'us-central1', '--mesh', 'sidecar', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const expected of [
      '$ gcloud container clusters create-auto s2s-latency --location us-central1 --project demo --fleet-project=demo',
      '$ gcloud container fleet mesh enable --project demo',
      '$ gcloud container fleet mesh update --management automatic --memberships s2s-latency --location us-central1 --project demo',
      '$ gcloud container clusters get-credentials s2s-latency --location us-central1 --project demo',
      '$ kubectl apply -k {{workdir}} --context gke_demo_us-central1_s2s-latency',
      'istio-injection: enabled',
      'kind: PeerAuthentication',
      'mode: STRICT',
      'kind: AuthorizationPolicy',
      '- cluster.local/ns/s2s/sa/ping-sa',
      'type: LoadBalancer',
      'readOnlyRootFilesystem: true',
      '$ kubectl rollout status deployment/pong-sec -n s2s --timeout=900s --context gke_demo_us-central1_s2s-latency',
    ]) {
      expect(r.stdout).toContain(expected);
    }
    expect(fake.calls()).toEqual([]);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
  });
});
