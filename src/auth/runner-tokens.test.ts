import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { GoogleAuth } from 'google-auth-library';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetadataEmulator, type MetadataEmulator } from '../platforms/local/metadata-emulator.ts';
import { RunnerTokenError, RunnerTokens, audienceFor } from './runner-tokens.ts';

const JWT_SHAPE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;
const EMAIL = 'ping-sa@s2s-local.iam.gserviceaccount.com';

let dir: string;
let argvLog: string;
let binDir: string;
let userCredsFile: string;

/**
 * A stand-in `gcloud`: records its argv as a JSON line, answers `config list --format=json` from env, and for
 * `auth print-identity-token` prints an unsigned JWT-shaped string made on the spot (aud from --audiences).
 */
const STAND_IN_GCLOUD = `#!/usr/bin/env node
const fs = require('node:fs');
const argv = process.argv.slice(2);
fs.appendFileSync(process.env.GCLOUD_ARGV_LOG, JSON.stringify(argv) + '\\n');
if (argv[0] === 'config' && argv[1] === 'list') {
  const config = { core: { account: process.env.GCLOUD_ACCOUNT || undefined } };
  if (process.env.GCLOUD_IMPERSONATE) config.auth = { impersonate_service_account: process.env.GCLOUD_IMPERSONATE };
  process.stdout.write(JSON.stringify(config));
  process.exit(0);
}
if (argv[0] === 'auth' && argv[1] === 'print-identity-token') {
  if (process.env.GCLOUD_FAIL) {
    process.stderr.write('ERROR: (gcloud.auth.print-identity-token) Reauthentication failed for eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln\\n');
    process.exit(1);
  }
  const aud = (argv.find((a) => a.startsWith('--audiences=')) || '=32555940559.apps.googleusercontent.com').split('=')[1];
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  process.stdout.write(b64({ alg: 'RS256', typ: 'JWT' }) + '.' + b64({ aud, iat: now, exp: now + 3600, iss: 'https://accounts.google.com' }) + '.c2lnbmF0dXJl\\n');
  process.exit(0);
}
process.stderr.write('stand-in gcloud: unexpected ' + argv.join(' ') + '\\n');
process.exit(2);
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's2s-runner-tokens-'));
  binDir = join(dir, 'bin');
  argvLog = join(dir, 'gcloud-argv.jsonl');
  await mkdir(binDir);
  await writeFile(join(binDir, 'gcloud'), STAND_IN_GCLOUD);
  await chmod(join(binDir, 'gcloud'), 0o755);
  // A developer's user login as ADC: google-auth-library can refresh it, but not mint ID tokens with it.
  userCredsFile = join(dir, 'user-adc.json');
  await writeFile(userCredsFile, JSON.stringify({ type: 'authorized_user', client_id: 'cid.apps.googleusercontent.com', client_secret: 'not-a-secret', refresh_token: 'not-a-refresh-token' }));
  await mkdir(join(dir, 'gcloud-config'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function gcloudCalls(): Promise<string[][]> {
  const text = await readFile(argvLog, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]);
}

function gcloudEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`, GCLOUD_ARGV_LOG: argvLog, ...extra };
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('audienceFor', () => {
  it.each([
    ['https://pong-sec-abc-uc.a.run.app/pong?x=1', 'https://pong-sec-abc-uc.a.run.app'],
    ['https://127.0.0.1:4443/', 'https://127.0.0.1:4443'],
  ])('%s → %s', (url, audience) => {
    expect(audienceFor(url)).toBe(audience);
  });

  it.each(['not a url', 'file:///etc/passwd'])('rejects %j naming the value', (url) => {
    expect(() => audienceFor(url)).toThrow(RunnerTokenError);
    expect(() => audienceFor(url)).toThrow(url);
  });
});

describe('runner tokens through google-auth-library and the metadata emulator', () => {
  let emulator: MetadataEmulator;
  const saved: Record<string, string | undefined> = {};
  const setEnv = (name: string, value: string | undefined): void => {
    if (!(name in saved)) saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };

  beforeAll(async () => {
    emulator = await startMetadataEmulator({ email: EMAIL, projectId: 's2s-local' });
    // gcp-metadata reads these at call time; this file runs in its own worker process.
    setEnv('GCE_METADATA_HOST', emulator.host);
    setEnv('GOOGLE_CLOUD_PROJECT', 's2s-local');
    setEnv('METADATA_SERVER_DETECTION', 'assume-present');
    setEnv('CLOUDSDK_CONFIG', join(dir, 'gcloud-config'));
    setEnv('GOOGLE_APPLICATION_CREDENTIALS', undefined);
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await emulator?.stop();
  });

  it('fetches a verifiable token whose audience is the service origin, one fetch for concurrent callers, no gcloud', async () => {
    const notices: string[] = [];
    const tokens = new RunnerTokens({ env: gcloudEnv(), notice: (line) => notices.push(line) });
    const before = emulator.fetchCount;
    const callsBefore = (await gcloudCalls()).length;
    const all = await Promise.all(Array.from({ length: 5 }, () => tokens.get('https://127.0.0.1:4443/pong?delay_ms=1')));
    expect(new Set(all).size).toBe(1);
    expect(emulator.fetchCount).toBe(before + 1);
    const { payload } = await jwtVerify(all[0] ?? '', createRemoteJWKSet(new URL(emulator.certsUrl)), { audience: 'https://127.0.0.1:4443' });
    expect(payload.email).toBe(EMAIL);
    expect(tokens.source).toBe('google-auth-library');
    expect(notices).toEqual([]);
    expect((await gcloudCalls()).length).toBe(callsBefore);
  });

  it('keeps one token per audience and refreshes it before it expires (long runs)', async () => {
    let nowMs = Date.now();
    const tokens = new RunnerTokens({ nowMs: () => nowMs });
    const before = emulator.fetchCount;
    const first = await tokens.get('https://127.0.0.1:5001');
    expect(await tokens.get('https://127.0.0.1:5001/other/path')).toBe(first);
    const other = await tokens.get('https://127.0.0.1:5002');
    expect(payloadOf(other).aud).toBe('https://127.0.0.1:5002');
    expect(emulator.fetchCount).toBe(before + 2);
    // 58 minutes later the 1-hour token is inside the refresh margin: a new one is fetched.
    nowMs += 58 * 60_000;
    await tokens.get('https://127.0.0.1:5001');
    expect(emulator.fetchCount).toBe(before + 3);
  });

  it('the metadata server down: a clear error without a token in it', async () => {
    const tokens = new RunnerTokens();
    await emulator.setDown(true);
    try {
      const error = await tokens.get('https://127.0.0.1:5003').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunnerTokenError);
      expect((error as Error).message).toMatch(/https:\/\/127\.0\.0\.1:5003/);
      expect((error as Error).message).not.toMatch(JWT_SHAPE);
    } finally {
      await emulator.setDown(false);
    }
  });
});

describe('runner tokens falling back to gcloud', () => {
  const userAuth = (): GoogleAuth => new GoogleAuth({ keyFilename: userCredsFile });

  it('user credentials: says so in one line, then `gcloud auth print-identity-token` without --audiences', async () => {
    const notices: string[] = [];
    const tokens = new RunnerTokens({ auth: userAuth(), env: gcloudEnv({ GCLOUD_ACCOUNT: 'dev@example.com' }), notice: (line) => notices.push(line) });
    const callsBefore = (await gcloudCalls()).length;
    const [a, b] = await Promise.all([tokens.get('https://pong-sec-abc-uc.a.run.app/pong'), tokens.get('https://pong-sec-abc-uc.a.run.app')]);
    expect(a).toBe(b);
    expect(tokens.source).toBe('gcloud');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/google-auth-library cannot mint ID tokens.*gcloud auth print-identity-token/);
    expect(notices.join('\n')).not.toMatch(JWT_SHAPE);
    const calls = (await gcloudCalls()).slice(callsBefore);
    expect(calls).toEqual([
      ['config', 'list', '--format=json'],
      ['auth', 'print-identity-token'],
    ]);
  });

  it('no credentials at all (not on Google Cloud, no ADC): falls back to gcloud too', async () => {
    const names = ['METADATA_SERVER_DETECTION', 'CLOUDSDK_CONFIG', 'GOOGLE_APPLICATION_CREDENTIALS', 'GCE_METADATA_HOST'] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    process.env.METADATA_SERVER_DETECTION = 'none';
    process.env.CLOUDSDK_CONFIG = join(dir, 'gcloud-config');
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    delete process.env.GCE_METADATA_HOST;
    try {
      const notices: string[] = [];
      const tokens = new RunnerTokens({ env: gcloudEnv({ GCLOUD_ACCOUNT: 'dev@example.com' }), notice: (line) => notices.push(line) });
      expect(await tokens.get('https://pong.example.run.app')).toMatch(/^eyJ/);
      expect(notices[0]).toMatch(/cannot mint ID tokens with these credentials \(Could not load the default credentials\)/);
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('an active service account: the token is bound with --audiences=<origin>', async () => {
    const tokens = new RunnerTokens({ auth: userAuth(), env: gcloudEnv({ GCLOUD_ACCOUNT: 'runner@p.iam.gserviceaccount.com' }), notice: () => {} });
    const callsBefore = (await gcloudCalls()).length;
    const token = await tokens.get('https://pong-sec-abc-uc.a.run.app/pong');
    expect(payloadOf(token).aud).toBe('https://pong-sec-abc-uc.a.run.app');
    expect((await gcloudCalls()).slice(callsBefore)).toEqual([
      ['config', 'list', '--format=json'],
      ['auth', 'print-identity-token', '--audiences=https://pong-sec-abc-uc.a.run.app'],
    ]);
  });

  it('impersonation set in gcloud config: --impersonate-service-account with --audiences and the email claim', async () => {
    const tokens = new RunnerTokens({ auth: userAuth(), env: gcloudEnv({ GCLOUD_ACCOUNT: 'dev@example.com', GCLOUD_IMPERSONATE: 'ping-sa@p.iam.gserviceaccount.com' }), notice: () => {} });
    const callsBefore = (await gcloudCalls()).length;
    await tokens.get('https://pong.example.run.app');
    expect((await gcloudCalls()).slice(callsBefore).at(-1)).toEqual([
      'auth',
      'print-identity-token',
      '--impersonate-service-account=ping-sa@p.iam.gserviceaccount.com',
      '--audiences=https://pong.example.run.app',
      '--include-email',
    ]);
  });

  it('impersonation asked for explicitly goes straight to gcloud, without asking its config', async () => {
    const notices: string[] = [];
    const tokens = new RunnerTokens({ impersonateServiceAccount: 'ping-sa@p.iam.gserviceaccount.com', env: gcloudEnv(), notice: (line) => notices.push(line) });
    const callsBefore = (await gcloudCalls()).length;
    await tokens.get('https://pong.example.run.app/x');
    expect((await gcloudCalls()).slice(callsBefore)).toEqual([
      ['auth', 'print-identity-token', '--impersonate-service-account=ping-sa@p.iam.gserviceaccount.com', '--audiences=https://pong.example.run.app', '--include-email'],
    ]);
    expect(notices).toEqual(['ID tokens: impersonating ping-sa@p.iam.gserviceaccount.com through `gcloud auth print-identity-token`.']);
  });

  it('gcloud failing: the error names the command and exit code, and its output is redacted', async () => {
    const tokens = new RunnerTokens({ auth: userAuth(), env: gcloudEnv({ GCLOUD_ACCOUNT: 'dev@example.com', GCLOUD_FAIL: '1' }), notice: () => {} });
    const error = await tokens.get('https://pong.example.run.app').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerTokenError);
    const message = (error as Error).message;
    expect(message).toMatch(/gcloud auth print-identity-token failed \(exit 1\): ERROR: \(gcloud\.auth\.print-identity-token\) Reauthentication failed/);
    expect(message).toMatch(/gcloud auth login/);
    expect(message).not.toMatch(JWT_SHAPE);
  });

  it('gcloud not installed: says what to do', async () => {
    const tokens = new RunnerTokens({ auth: userAuth(), env: { PATH: join(dir, 'empty-path') }, notice: () => {} });
    await expect(tokens.get('https://pong.example.run.app')).rejects.toThrow(/gcloud is not on PATH\. Install the Google Cloud CLI/);
  });

  it('rejects an impersonation target that is not an email', () => {
    expect(() => new RunnerTokens({ impersonateServiceAccount: 'ping-sa' })).toThrow(/"ping-sa" is not an email/);
  });
});
