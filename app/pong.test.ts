// /pong in-process: the calibration knobs and their bounds, Server-Timing, and pong-sec's token
// check against the metadata emulator's keys (missing, forged, expired, wrong audience/principal/issuer).
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetadataEmulator, type MetadataEmulator } from '../src/platforms/local/metadata-emulator.ts';
import { startApp } from './testing/servers.ts';

const PING_SA = 'ping-sa@s2s-local.iam.gserviceaccount.com';

let emu: MetadataEmulator;
let open: Awaited<ReturnType<typeof startApp>>;
let sec: Awaited<ReturnType<typeof startApp>>;

beforeAll(async () => {
  emu = await startMetadataEmulator({ email: PING_SA, projectId: 's2s-local' });
  open = await startApp({ SERVICE_NAME: 'pong-unsec' });
  sec = await startApp({
    SERVICE_NAME: 'pong-sec',
    AUTH_MODE: 'id-token',
    AUTH_CERTS_URL: emu.certsUrl,
    AUTH_ALLOWED_PRINCIPALS: `other@example.com, ${PING_SA}`,
  });
});

afterAll(async () => {
  await Promise.all([open?.close(), sec?.close(), emu?.stop()]);
});

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

function holdMs(serverTiming: string | null): number {
  const m = /^hold;dur=(\d+\.\d{3})$/.exec(serverTiming ?? '');
  expect(m, String(serverTiming)).not.toBeNull();
  return Number(m![1]);
}

describe('knobs', () => {
  it('answers 200 at once with Server-Timing hold in ms with µs precision', async () => {
    const r = await get(`${open.url}/pong`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('pong\n');
    expect(holdMs(r.headers.get('server-timing'))).toBeGreaterThanOrEqual(0);
  });

  it('holds at least delay_ms (fractional) and reports it', async () => {
    const r = await get(`${open.url}/pong?delay_ms=12.5`);
    expect(r.status).toBe(200);
    expect(holdMs(r.headers.get('server-timing'))).toBeGreaterThanOrEqual(12.5);
  });

  it('answers the asked status and body size', async () => {
    const r = await get(`${open.url}/pong?status=503&size=1000`);
    expect(r.status).toBe(503);
    expect(r.body).toHaveLength(1000);
    expect((await get(`${open.url}/pong?size=0`)).body).toBe('');
  });

  it.each([
    ['delay_ms=-1', 'delay_ms'],
    ['delay_ms=10001', 'delay_ms'],
    ['delay_ms=abc', 'delay_ms'],
    ['status=199', 'status'],
    ['status=600', 'status'],
    ['status=200.5', 'status'],
    ['size=1048577', 'size'],
    ['size=-5', 'size'],
  ])('rejects %s with 400 naming %s and its range', async (q, name) => {
    const r = await get(`${open.url}/pong?${q}`);
    expect(r.status).toBe(400);
    expect(r.body).toContain(`${name}=`);
    expect(r.body).toMatch(/from -?\d+ to \d+/);
  });

  it.each(['size=1&size=1048576', 'delay_ms=0&delay_ms=5000', 'status=200&status=503'])('rejects the repeated knob in %s with 400 naming it', async (q) => {
    const r = await get(`${open.url}/pong?${q}`);
    expect(r.status).toBe(400);
    expect(r.body).toContain(`${q.split('=')[0]} is repeated: give it once`);
  });

  it('applies PONG_DEFAULT_DELAY_MS when delay_ms is absent', async () => {
    const slow = await startApp({ PONG_DEFAULT_DELAY_MS: '1500' });
    try {
      expect(holdMs((await get(`${slow.url}/pong`)).headers.get('server-timing'))).toBeGreaterThanOrEqual(1500);
      // An explicit delay_ms wins (the margin is wide: the machine is shared).
      expect(holdMs((await get(`${slow.url}/pong?delay_ms=0`)).headers.get('server-timing'))).toBeLessThan(1500);
    } finally {
      await slow.close();
    }
  });

  it('serves /healthz', async () => {
    expect(await get(`${open.url}/healthz`)).toMatchObject({ status: 200, body: '{"ok":true}\n' });
  });
});

describe('pong-sec token check', () => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('accepts a token for its own origin from an allowed principal', async () => {
    const token = await emu.mintIdToken({ audience: sec.url });
    const r = await get(`${sec.url}/pong`, bearer(token));
    expect(r.status, r.body).toBe(200);
    expect(r.headers.get('server-timing')).toMatch(/^hold;dur=/);
  });

  it('answers 401 without a token', async () => {
    const r = await get(`${sec.url}/pong`);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(r.body).toContain('missing Authorization');
  });

  it.each([
    ['forged (other key, same kid)', 'bad signature'],
    ['expired', 'expired'],
    ['wrong audience', 'wrong audience'],
    ['wrong principal', 'is not allowed'],
    ['wrong issuer', 'wrong issuer'],
    ['no email claim', 'no email'],
    ['malformed', 'malformed'],
  ])('answers 403 for a %s token with a short reason and no token echo', async (kind, reason) => {
    const now = Math.floor(Date.now() / 1000);
    let token: string;
    switch (kind) {
      case 'forged (other key, same kid)': {
        const { privateKey } = await generateKeyPair('RS256');
        token = await new SignJWT({ email: PING_SA, email_verified: true })
          .setProtectedHeader({ alg: 'RS256', kid: emu.kid, typ: 'JWT' })
          .setIssuer('https://accounts.google.com')
          .setAudience(sec.url)
          .setIssuedAt(now)
          .setExpirationTime(now + 600)
          .sign(privateKey);
        break;
      }
      case 'expired':
        token = await emu.mintIdToken({ audience: sec.url, iatSec: now - 7200, lifetimeSec: 3600 });
        break;
      case 'wrong audience':
        token = await emu.mintIdToken({ audience: 'https://pong-unsec.example' });
        break;
      case 'wrong principal':
        token = await emu.mintIdToken({ audience: sec.url, email: 'intruder@evil.iam.gserviceaccount.com' });
        break;
      case 'wrong issuer':
        token = await emu.mintIdToken({ audience: sec.url, issuer: 'https://evil.example' });
        break;
      case 'no email claim':
        token = await emu.mintIdToken({ audience: sec.url, full: false });
        break;
      default:
        token = 'not-a-jwt';
    }
    const r = await get(`${sec.url}/pong`, bearer(token));
    expect(r.status).toBe(403);
    expect((JSON.parse(r.body) as { error: string }).error).toContain(reason);
    expect(r.body).not.toContain('eyJ');
  });

  it('honours AUTH_AUDIENCE instead of its own origin', async () => {
    const explicit = await startApp({
      AUTH_MODE: 'id-token',
      AUTH_CERTS_URL: emu.certsUrl,
      AUTH_ALLOWED_PRINCIPALS: PING_SA,
      AUTH_AUDIENCE: 'https://pong-sec-abc.a.run.app',
    });
    try {
      const good = await emu.mintIdToken({ audience: 'https://pong-sec-abc.a.run.app' });
      const own = await emu.mintIdToken({ audience: explicit.url });
      expect((await get(`${explicit.url}/pong`, bearer(good))).status).toBe(200);
      expect((await get(`${explicit.url}/pong`, bearer(own))).status).toBe(403);
    } finally {
      await explicit.close();
    }
  });

  it('caches the certificates for their max-age instead of fetching them per request', async () => {
    const token = await emu.mintIdToken({ audience: sec.url });
    const other = await emu.mintIdToken({ audience: sec.url, email: 'other@example.com' });
    expect((await get(`${sec.url}/pong`, bearer(token))).status).toBe(200);
    const before = emu.certsFetchCount;
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) {
      expect((await get(`${sec.url}/pong`, bearer(i % 2 ? token : other))).status).toBe(200);
    }
    expect(emu.certsFetchCount).toBe(before);
  });
});
