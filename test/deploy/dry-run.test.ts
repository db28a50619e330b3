// The acceptance commands as real processes (`npm run deploy:* -- … --dry-run`, `npm run teardown:gke -- --dry-run`):
// complete plans on stdout, exit 0, and nothing touched — the stand-in CLIs first on PATH record zero calls and
// no state is written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/platforms/deploy/context.ts';
import { createFakeClis, type FakeClis } from '../fakes/index.ts';
import { startFakeServices } from '../fakes/services.ts';
import { openSession } from './harness.ts';

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

function npmRun(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', script, '--', ...args], { cwd: REPO_ROOT, env: { ...fake.env, S2S_STATE_DIR: stateDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
      '$ gcloud services enable run.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com iam.googleapis.com iamcredentials.googleapis.com storage.googleapis.com --project demo',
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
      'memory: 1Gi',
      '$ gcloud iam service-accounts create s2s-smoke',
      "$ gcloud iam service-accounts add-iam-policy-binding s2s-smoke@demo.iam.gserviceaccount.com --member={{deployer.member}} --role=roles/iam.serviceAccountTokenCreator",
      '$ gcloud auth print-identity-token --impersonate-service-account=s2s-smoke@demo.iam.gserviceaccount.com',
      '#   stdout kept in memory as {{cloudrun.smoke.token}} (a credential: never shown, logged or stored)',
      '#   in-process: GET {{cloudrun.url.pong-sec}}/pong with the s2s-smoke token → expect 403',
      '--service-account=projects/demo/serviceAccounts/s2s-build@demo.iam.gserviceaccount.com --gcs-source-staging-dir=gs://demo-s2s-build/source',
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
      '$ gcloud container clusters create-auto s2s-latency --location us-central1 --project demo --service-account=s2s-nodes@demo.iam.gserviceaccount.com --fleet-project=demo',
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
      '$ kubectl wait --for=condition=Ready pod/s2s-smoke -n s2s',
      'serviceAccountName: s2s-smoke',
      '#   in-process: read {{gke.smoke.pods}}: every pod has istio-proxy',
      '#   recorded for teardown: namespace s2s (delete: gcloud container clusters get-credentials s2s-latency',
    ]) {
      expect(r.stdout).toContain(expected);
    }
    expect(fake.calls()).toEqual([]);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
  });

  it('deploy:gke --mesh ambient creates a Standard cluster (never Autopilot), and refuses --cluster-mode autopilot in one line', async () => {
    const r = await npmRun('deploy:gke', ['--project', 'demo', '--region', 'us-central1', '--mesh', 'ambient', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '$ gcloud container clusters create s2s-latency --location us-central1 --project demo --machine-type=e2-standard-4 --num-nodes=1 --disk-size=50 --release-channel=regular --workload-pool=demo.svc.id.goog --addons=GcsFuseCsiDriver',
    );
    expect(r.stdout).not.toContain('create-auto');
    expect(r.stdout).toContain('$ istioctl install --set profile=ambient --set values.global.platform=gke');
    expect(r.stdout).toContain('#   in-process: read {{gke.smoke.probe}}: pong-unsec → 200, pong-sec → connection closed by ztunnel');
    const refused = await npmRun('deploy:gke', ['--project', 'demo', '--region', 'us-central1', '--mesh', 'ambient', '--cluster-mode', 'autopilot', '--dry-run']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^deploy: --mesh ambient needs --cluster-mode standard: .*GKE Autopilot refuses/)]);
    expect(fake.calls()).toEqual([]);
  });

  it('teardown:gke deletes the namespace and waits for the load balancers before the cluster', async () => {
    const services = await startFakeServices();
    const session = openSession(services);
    try {
      expect((await session.run('deploy', ['gke', '--project', 'demo', '--region', 'us-central1', '--mesh', 'sidecar', '--image-tag', 't1', '--wait-interval-s', '0'])).code).toBe(0);
      const r = await npmRun('teardown:gke', ['--dry-run'], { S2S_STATE_DIR: session.stateDir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const commands = r.stdout.split('\n').filter((l) => l.startsWith('$ ')).map((l) => l.replace(/ {4}#.*$/, ''));
      expect(commands.slice(0, 5)).toEqual([
        '$ gcloud container clusters get-credentials s2s-latency --location us-central1 --project demo',
        '$ kubectl delete namespace s2s --ignore-not-found --wait=true --timeout=900s --context gke_demo_us-central1_s2s-latency',
        "$ gcloud compute forwarding-rules list --regions=us-central1 '--filter=description~s2s/ping' '--format=value(name)' --project demo",
        '$ gcloud container fleet memberships unregister s2s-latency --location us-central1 --gke-cluster=us-central1/s2s-latency --project demo --quiet',
        '$ gcloud container clusters delete s2s-latency --location us-central1 --project demo --quiet',
      ]);
      expect(r.stdout).toMatch(/repeated up to 3× every 0 s until it prints nothing: the load balancers' forwarding rules of namespace s2s/); // the deploy ran with --wait-interval-s 0
      expect(fake.calls()).toEqual([]);
    } finally {
      session.cleanup();
      await services.close();
    }
  });
});
