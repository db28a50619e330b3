import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OAuth2Client } from 'google-auth-library';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetadataEmulatorError, startMetadataEmulator, type MetadataEmulator } from './metadata-emulator.ts';

const execFileAsync = promisify(execFile);
const EMAIL = 'ping-sa@s2s-local.iam.gserviceaccount.com';
const FLAVOR = { 'Metadata-Flavor': 'Google' };
const AUDIENCE = 'https://127.0.0.1:4443';

let emulator: MetadataEmulator;
let emptyGcloudDir: string;

beforeAll(async () => {
  emulator = await startMetadataEmulator({ email: EMAIL, projectId: 's2s-local' });
  emptyGcloudDir = await mkdtemp(join(tmpdir(), 's2s-emu-gcloud-'));
});

afterAll(async () => {
  await emulator?.stop();
  if (emptyGcloudDir) await rm(emptyGcloudDir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = FLAVOR): Promise<Response> {
  return fetch(`${emulator.url}${path}`, { headers });
}

async function identity(audience = AUDIENCE, format = 'full'): Promise<string> {
  const res = await get(`/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(audience)}&format=${format}`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('metadata emulator', () => {
  it('listens on 127.0.0.1 with an ephemeral port and exposes GCE_METADATA_HOST', () => {
    expect(emulator.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(emulator.url).toBe(`http://${emulator.host}`);
    expect(emulator.certsUrl).toBe(`${emulator.url}/oauth2/v3/certs`);
    expect(emulator.pemCertsUrl).toBe(`${emulator.url}/oauth2/v1/certs`);
  });

  it.each([
    '/computeMetadata/v1/',
    '/computeMetadata/v1/project/project-id',
    '/computeMetadata/v1/instance/service-accounts/default/email',
    '/computeMetadata/v1/instance/service-accounts/default/identity?audience=x&format=full',
  ])('refuses %s without Metadata-Flavor: Google (403), like the real server', async (path) => {
    const before = emulator.fetchCount;
    const res = await get(path, {});
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/Metadata-Flavor/);
    const wrong = await get(path, { 'Metadata-Flavor': 'google-ish' });
    expect(wrong.status).toBe(403);
    expect(emulator.fetchCount).toBe(before);
  });

  it('refuses requests that went through a proxy (X-Forwarded-For)', async () => {
    const res = await get('/computeMetadata/v1/project/project-id', { ...FLAVOR, 'X-Forwarded-For': '10.0.0.1' });
    expect(res.status).toBe(403);
  });

  it.each([
    ['/', {}, 'computeMetadata/\n'],
    ['/computeMetadata/v1/', FLAVOR, 'instance/\nproject/\n'],
    ['/computeMetadata/v1/project/project-id', FLAVOR, 's2s-local'],
    ['/computeMetadata/v1/instance/service-accounts/default/email', FLAVOR, EMAIL],
    [`/computeMetadata/v1/instance/service-accounts/${EMAIL}/email`, FLAVOR, EMAIL],
    ['/computeMetadata/v1/instance/service-accounts/default/', FLAVOR, 'aliases\nemail\nidentity\nscopes\ntoken\n'],
    ['/computeMetadata/v1/instance/service-accounts/', FLAVOR, `default/\n${EMAIL}/\n`],
  ] as const)('answers %s', async (path, headers, body) => {
    const res = await get(path, headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('metadata-flavor')).toBe('Google');
    expect(await res.text()).toBe(body);
  });

  it.each([
    '/computeMetadata/v1/instance/service-accounts/other@x.iam.gserviceaccount.com/email',
    '/computeMetadata/v1/instance/nothing-here',
    '/somewhere',
  ])('answers 404 for %s', async (path) => {
    expect((await get(path)).status).toBe(404);
  });

  it('mints an RS256 ID token that verifies against its JWKS, with the claims Google puts in', async () => {
    const before = emulator.fetchCount;
    const token = await identity();
    expect(emulator.fetchCount).toBe(before + 1);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'RS256', kid: emulator.kid });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(emulator.certsUrl)), {
      issuer: 'https://accounts.google.com',
      audience: AUDIENCE,
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({ email: EMAIL, email_verified: true });
    expect(payload.sub).toMatch(/^\d{21}$/);
    expect(payload.azp).toBe(payload.sub);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it('format=standard leaves out the email claim, as GCE does', async () => {
    const { payload } = await jwtVerify(await identity(AUDIENCE, 'standard'), createRemoteJWKSet(new URL(emulator.certsUrl)));
    expect(payload.email).toBeUndefined();
    expect(payload.aud).toBe(AUDIENCE);
  });

  it('rejects an identity request without an audience (400)', async () => {
    const res = await get('/computeMetadata/v1/instance/service-accounts/default/identity?format=full');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/audience/);
  });

  it('serves JWKS and PEM certificates with Cache-Control max-age, and google-auth-library verifies with the PEM ones', async () => {
    const jwks = await fetch(emulator.certsUrl);
    expect(jwks.headers.get('cache-control')).toMatch(/max-age=3600/);
    const { keys } = (await jwks.json()) as { keys: Array<{ kid: string; alg: string; kty: string }> };
    expect(keys).toEqual([expect.objectContaining({ kid: emulator.kid, alg: 'RS256', kty: 'RSA' })]);

    const pem = await fetch(emulator.pemCertsUrl);
    expect(pem.headers.get('cache-control')).toMatch(/max-age=3600/);
    const certs = (await pem.json()) as Record<string, string>;
    expect(Object.keys(certs)).toEqual([emulator.kid]);
    expect(certs[emulator.kid]).toContain('BEGIN CERTIFICATE');

    const ticket = await new OAuth2Client().verifySignedJwtWithCertsAsync(await identity(), certs, AUDIENCE, ['https://accounts.google.com']);
    expect(ticket.getPayload()?.email).toBe(EMAIL);
  });

  it('mintIdToken signs tokens with unusual claims for tests (expired, other principal)', async () => {
    const jwks = createRemoteJWKSet(new URL(emulator.certsUrl));
    const expired = await emulator.mintIdToken({ audience: AUDIENCE, iatSec: Math.floor(Date.now() / 1000) - 7200 });
    await expect(jwtVerify(expired, jwks)).rejects.toThrow(/exp/);
    const other = await emulator.mintIdToken({ audience: AUDIENCE, email: 'intruder@s2s-local.iam.gserviceaccount.com' });
    expect((await jwtVerify(other, jwks)).payload.email).toBe('intruder@s2s-local.iam.gserviceaccount.com');
  });

  it('setDown(true) refuses connections, setDown(false) serves again on the same port', async () => {
    await emulator.setDown(true);
    await expect(get('/computeMetadata/v1/project/project-id')).rejects.toThrow();
    await emulator.setDown(false);
    expect(await (await get('/computeMetadata/v1/project/project-id')).text()).toBe('s2s-local');
  });

  it.each([
    [{ email: 'not-an-email', projectId: 's2s-local' }, /email "not-an-email"/],
    [{ email: EMAIL, projectId: 'Bad Project' }, /projectId "Bad Project"/],
  ])('rejects bad options %j', async (options, message) => {
    await expect(startMetadataEmulator(options)).rejects.toThrow(MetadataEmulatorError);
    await expect(startMetadataEmulator(options)).rejects.toThrow(message);
  });

  it('the real google-auth-library fetches ID tokens from it through GCE_METADATA_HOST (child process)', async () => {
    // Env is read when google-auth-library loads, so it runs in its own process. The child prints claims, never the token.
    const script = `
      import { GoogleAuth } from 'google-auth-library';
      import { createRemoteJWKSet, jwtVerify } from 'jose';
      const auth = new GoogleAuth();
      const client = await auth.getIdTokenClient(process.env.TEST_AUDIENCE);
      const first = await client.getRequestHeaders();
      const second = await client.getRequestHeaders();
      const bearer = first.get('authorization') ?? '';
      const token = bearer.replace(/^Bearer /, '');
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(process.env.TEST_CERTS_URL)));
      console.log(JSON.stringify({
        bearer: bearer.startsWith('Bearer ey'),
        sameTokenTwice: first.get('authorization') === second.get('authorization'),
        projectId: await auth.getProjectId(),
        aud: payload.aud, email: payload.email, iss: payload.iss,
      }));
    `;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GCE_METADATA_HOST: emulator.host,
      GOOGLE_CLOUD_PROJECT: 's2s-local',
      METADATA_SERVER_DETECTION: 'assume-present',
      // A developer's own gcloud credentials must not win over the emulator.
      CLOUDSDK_CONFIG: emptyGcloudDir,
      TEST_AUDIENCE: AUDIENCE,
      TEST_CERTS_URL: emulator.certsUrl,
    };
    delete env.GOOGLE_APPLICATION_CREDENTIALS;
    const before = emulator.fetchCount;
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { env, cwd: process.cwd(), timeout: 30_000 });
    expect(stdout).not.toMatch(/eyJ/);
    expect(JSON.parse(stdout.trim())).toEqual({
      bearer: true,
      sameTokenTwice: true,
      projectId: 's2s-local',
      aud: AUDIENCE,
      email: EMAIL,
      iss: 'https://accounts.google.com',
    });
    // One metadata call per audience: the library's ID-token client caches until expiry.
    expect(emulator.fetchCount).toBe(before + 1);
  });
});
