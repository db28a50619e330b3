// The service as real processes, as the local platform runs it: HTTPS with a run CA, ping fetching
// real ID tokens through google-auth-library from the metadata emulator, pong-sec verifying them;
// plus start-up validation, graceful shutdown, and no JWT in any output.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PingResult } from '../src/contract/ping.ts';
import { createRunCa, issueServerCert, type RunCa } from '../src/platforms/local/ca.ts';
import { startMetadataEmulator, type MetadataEmulator } from '../src/platforms/local/metadata-emulator.ts';
import { runServiceExpectingExit, startService, stopAllServices, type ServiceProcess } from './testing/service-process.ts';
import { listen, type Running } from './testing/servers.ts';

const PING_SA = 'ping-sa@s2s-local.iam.gserviceaccount.com';
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/;

let dir: string;
let ca: RunCa;
let emu: MetadataEmulator;
let pongSec: ServiceProcess;
let pongUnsec: ServiceProcess;
let ping: ServiceProcess;
let gate: Running & { seen: () => number };
const bodies: string[] = [];

function httpsGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: ca.certPem }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          bodies.push(body);
          resolve({ status: res.statusCode ?? 0, body });
        });
      })
      .on('error', reject);
  });
}

async function pingJson(query: string): Promise<PingResult> {
  const r = await httpsGet(`${ping.url}/ping?${query}`);
  expect(r.status, r.body).toBe(200);
  return JSON.parse(r.body) as PingResult;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's2s-app-'));
  ca = await createRunCa(dir);
  const cert = await issueServerCert(ca, ['127.0.0.1', 'localhost'], { name: 'services' });
  emu = await startMetadataEmulator({ email: PING_SA, projectId: 's2s-local' });
  const tls = { TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile };
  [pongSec, pongUnsec] = await Promise.all([
    startService({ ...tls, SERVICE_NAME: 'pong-sec', AUTH_MODE: 'id-token', AUTH_CERTS_URL: emu.certsUrl, AUTH_ALLOWED_PRINCIPALS: PING_SA }),
    startService({ ...tls, SERVICE_NAME: 'pong-unsec' }),
  ]);
  let seen = 0;
  gate = { ...(await listen(() => void seen++)), seen: () => seen };
  const secPort = new URL(pongSec.url).port;
  ping = await startService({
    ...tls,
    SERVICE_NAME: 'ping',
    PING_TARGETS: `pong-sec=${pongSec.url},pong-unsec=${pongUnsec.url},pong-sec-by-name=https://localhost:${secPort},gate=${gate.url}`,
    NODE_EXTRA_CA_CERTS: ca.certFile,
    GCE_METADATA_HOST: emu.host,
    GOOGLE_CLOUD_PROJECT: emu.projectId,
    METADATA_SERVER_DETECTION: 'assume-present',
    SHUTDOWN_GRACE_MS: '300',
  });
  // Key generation and three tsx processes: slow when the shared machine is busy.
}, 180_000);

afterAll(async () => {
  await Promise.all([ping?.stop(), pongSec?.stop(), pongUnsec?.stop()]);
  await stopAllServices();
  await Promise.all([emu?.stop(), gate?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('over HTTPS with real ID tokens', () => {
  it('runs a secured batch: token fetched through google-auth-library, TLS phase measured, 0 errors', async () => {
    const r = await pingJson('target=pong-sec&count=300&auth=id-token');
    expect(r.errors, JSON.stringify(r.first)).toEqual({ total: 0, byStatus: {}, byCode: {} });
    expect(r).toMatchObject({ calls: 300, auth: 'id-token', truncated: false });
    expect(r.first.status).toBe(200);
    expect(r.first.phasesMs.tokenMs).toBeGreaterThan(0);
    expect(r.first.phasesMs.tlsMs).toBeGreaterThan(0);
    expect(r.warm.count).toBe(299);
    expect(emu.fetchCount).toBe(1);
  });

  it('reuses the cached token for the next batch (one fetch per audience)', async () => {
    const r = await pingJson('target=pong-sec&count=20&auth=id-token');
    expect(r.errors.total).toBe(0);
    expect(emu.fetchCount).toBe(1);
  });

  it('runs an unsecured batch over TLS', async () => {
    const r = await pingJson('target=pong-unsec&count=200&auth=none');
    expect(r.errors.total).toBe(0);
    expect(r.first.phasesMs.tlsMs).toBeGreaterThan(0);
    expect(r.first.phasesMs.tokenMs).toBe(0);
  });

  it('opens a new TLS connection per call with connection=new', async () => {
    const r = await pingJson('target=pong-unsec&count=5&connection=new');
    expect(r.errors.total).toBe(0);
    expect(r.calls).toBe(5);
  });

  it('counts every call to pong-sec without a token as 401', async () => {
    const r = await pingJson('target=pong-sec&count=100&auth=none');
    expect(r.errors).toEqual({ total: 100, byStatus: { '401': 100 }, byCode: {} });
  });

  it('reports a metadata server that is down as a clear error in the result, and stays up', async () => {
    await emu.setDown(true);
    try {
      const r = await pingJson('target=pong-sec-by-name&count=10&auth=id-token');
      expect(r.first.errorCode).toBe('TOKEN_FETCH_FAILED');
      expect(r.first.error).toMatch(/ID token/);
      expect(r.errors.byCode).toEqual({ TOKEN_FETCH_FAILED: 1 });
      expect((await httpsGet(`${ping.url}/healthz`)).status).toBe(200);
    } finally {
      await emu.setDown(false);
    }
    // Back up: the next batch for that audience works (a failure is not cached).
    const ok = await pingJson('target=pong-sec-by-name&count=10&auth=id-token');
    expect(ok.errors.total).toBe(0);
  });

  it('never writes a JWT to a log line or a response', () => {
    for (const p of [ping, pongSec, pongUnsec]) expect(p.output()).not.toMatch(JWT_SHAPE);
    for (const b of bodies) expect(b).not.toMatch(JWT_SHAPE);
    expect(ping.output()).toContain('"msg":"batch"');
  });
});

describe('process lifecycle', () => {
  it('refuses to start on a bad variable, naming it, its value and what is allowed', async () => {
    const r = await runServiceExpectingExit({ PING_MAX_COUNT: 'abc', AUTH_MODE: 'maybe' });
    expect(r.code).toBe(2);
    expect(r.output).toContain('PING_MAX_COUNT="abc"');
    expect(r.output).toContain('AUTH_MODE="maybe"');
    expect(r.output).toContain('none, id-token');
    expect(r.output).not.toMatch(/\n\s+at /);
  });

  it('on SIGTERM answers the in-flight batch (cut at SHUTDOWN_GRACE_MS) and exits 0', async () => {
    const answer = httpsGet(`${ping.url}/ping?target=gate&count=5`);
    await vi.waitFor(() => expect(gate.seen()).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
    const exit = ping.stop('SIGTERM');
    const r = await answer;
    expect(r.status).toBe(200);
    const result = JSON.parse(r.body) as PingResult;
    expect(result.truncated).toBe(true);
    expect(result.calls).toBe(0);
    expect(await exit).toBe(0);
    expect(ping.output()).toContain('"msg":"stopped"');
  });
});
