// resolvePlatform for the cloud platforms: what the runner gets from the deploy state, the auth tag of each
// hop (the post's asymmetry: GKE "unsecured" still has mesh mTLS, Cloud Run's has nothing), and the errors
// that say which deploy to run first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyState, readState, writeState, type DeployState, type SmokeResult } from './deploy/state.ts';
import { resolvePlatform } from './index.ts';

let dir: string;
const opts = () => ({ env: { S2S_STATE_DIR: dir } });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 's2s-resolve-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const urls = { ping: 'https://latency-ping-x.a.run.app', 'pong-sec': 'https://latency-pong-sec-x.a.run.app', 'pong-unsec': 'https://latency-pong-unsec-x.a.run.app' };
const passed = (layer: SmokeResult['layer']): SmokeResult => ({ ok: true, checkedAt: '2026-01-01T00:00:00.000Z', layer, checks: [{ name: 'x', ok: true, detail: 'fine' }] });
function deployed(mesh: 'sidecar' | 'ambient' | 'none' = 'sidecar', cross = false): DeployState {
  return {
    ...emptyState('demo', 'us-central1'),
    cloudrun: { urls, pingIngress: 'all', pingPrivate: true, vpcEgress: null, cpu: '1', memory: '1Gi', minInstances: 1, image: 'img:t1', complete: true, smoke: passed('id-token') },
    gke: {
      cluster: 's2s-latency', namespace: 's2s', mesh, meshInstall: mesh === 'sidecar' ? 'fleet' : mesh === 'ambient' ? 'istioctl' : 'none', clusterMode: mesh === 'ambient' ? 'standard' : 'autopilot',
      machineType: mesh === 'ambient' ? 'e2-standard-4' : null, distributed: null, pingUrl: 'http://34.1.2.3', pingInternalUrl: null, cpu: '1', memory: '1Gi', image: 'img:t1', complete: true,
      smoke: passed(mesh === 'none' ? 'none' : 'mesh-mtls'),
    },
    cross: cross ? { gkeTargets: { 'cloudrun-pong-unsec': urls['pong-unsec'] }, cloudrunTargets: { 'gke-ping': 'http://34.1.2.3' }, complete: true } : null,
  };
}

describe('resolvePlatform', () => {
  it.each(['cloudrun', 'gke', 'cross'] as const)('%s without a deploy state says exactly what to run', async (name) => {
    const command = name === 'cross' ? 'deploy:cloudrun' : `deploy:${name}`;
    await expect(resolvePlatform(name, opts())).rejects.toThrow(`run \`npm run ${command} -- --project … --region …\` first`);
  });

  it('cross before deploy:cross says to run it', async () => {
    writeState(join(dir, 'state.json'), deployed());
    await expect(resolvePlatform('cross', opts())).rejects.toThrow('run `npm run deploy:cross` first');
  });

  it('cloudrun: private ping, pong-sec through the IAM check (id-token), pong-unsec with no check (none)', async () => {
    writeState(join(dir, 'state.json'), deployed());
    const p = await resolvePlatform('cloudrun', opts());
    expect(p.pings).toEqual([{ source: 'cloudrun', url: urls.ping, private: true }]);
    expect(p.pairs).toEqual([
      { source: 'cloudrun', target: 'pong-sec', targetUrl: urls['pong-sec'], targetPlatform: 'cloudrun', auth: 'id-token', pingAuth: 'id-token' },
      { source: 'cloudrun', target: 'pong-unsec', targetUrl: urls['pong-unsec'], targetPlatform: 'cloudrun', auth: 'none', pingAuth: 'none' },
    ]);
    expect(p.settings).toMatchObject({ project: 'demo', region: 'us-central1', cpu: '1', memory: '1Gi', minInstances: 1, cpuAlwaysAllocated: true });
    await p.stop();
  });

  it.each([
    ['sidecar', 'mesh-mtls'],
    ['ambient', 'mesh-mtls'],
    ['none', 'none'],
  ] as const)('gke with mesh %s: both pongs are tagged %s (unsecured only differs in authorization)', async (mesh, auth) => {
    writeState(join(dir, 'state.json'), deployed(mesh));
    const p = await resolvePlatform('gke', opts());
    expect(p.pings).toEqual([{ source: 'gke', url: 'http://34.1.2.3', private: false }]);
    expect(p.pairs.map((x) => [x.target, x.auth, x.pingAuth])).toEqual([
      ['pong-sec', auth, 'none'],
      ['pong-unsec', auth, 'none'],
    ]);
    expect(p.settings['mesh']).toBe(mesh);
    expect(p.settings['clusterMode']).toBe(mesh === 'ambient' ? 'standard' : 'autopilot');
  });

  it('cross: GKE ping → Cloud Run pong-unsec, Cloud Run ping → GKE ping LB, and GKE ping direct from the runner', async () => {
    writeState(join(dir, 'state.json'), deployed('sidecar', true));
    const p = await resolvePlatform('cross', opts());
    expect(p.pings.map((x) => x.source)).toEqual(['gke', 'cloudrun']);
    expect(p.pairs).toEqual([
      { source: 'gke', target: 'cloudrun-pong-unsec', targetUrl: urls['pong-unsec'], targetPlatform: 'cloudrun', auth: 'none', pingAuth: 'none' },
      { source: 'cloudrun', target: 'gke-ping', targetUrl: 'http://34.1.2.3', targetPlatform: 'gke', auth: 'none', pingAuth: 'none' },
    ]);
    expect(p.direct).toEqual([{ name: 'gke-ping', url: 'http://34.1.2.3', platform: 'gke', auth: 'none', private: false }]);
    expect(p.settings['gke.mesh']).toBe('sidecar');
    expect(p.settings['cloudrun.region']).toBe('us-central1');
  });

  it.each(['cloudrun', 'gke', 'cross'] as const)('%s refuses a deploy whose smoke check failed, naming the failed check', async (name) => {
    const s = deployed('sidecar', true);
    const failed: SmokeResult = { ok: false, checkedAt: '2026-01-01T00:00:00.000Z', layer: 'mesh-mtls', checks: [{ name: 's2s-smoke → pong-sec', ok: false, detail: 'expected 403, got HTTP 200' }] };
    if (name === 'cloudrun') s.cloudrun!.smoke = { ...failed, layer: 'id-token' };
    else s.gke!.smoke = failed;
    writeState(join(dir, 'state.json'), s);
    const platform = name === 'cloudrun' ? 'cloudrun' : 'gke';
    await expect(resolvePlatform(name, opts())).rejects.toThrow(
      `refusing to measure: the ${platform} deploy failed its smoke check (2026-01-01T00:00:00.000Z): s2s-smoke → pong-sec: expected 403, got HTTP 200. Fix it and run \`npm run deploy:${platform}\` again`,
    );
  });

  it('a state written before the smoke check existed reads as never checked, and is refused', async () => {
    const s = deployed('none') as unknown as { cloudrun: Record<string, unknown>; gke: Record<string, unknown> };
    delete s.cloudrun['smoke'];
    for (const k of ['smoke', 'clusterMode', 'machineType', 'distributed']) delete s.gke[k];
    writeFileSync(join(dir, 'state.json'), JSON.stringify(s));
    expect(readState(join(dir, 'state.json'))!.gke).toMatchObject({ clusterMode: 'autopilot', smoke: null, distributed: null });
    await expect(resolvePlatform('gke', opts())).rejects.toThrow('the gke deploy has no smoke check on record: run `npm run deploy:gke` again');
  });
});
