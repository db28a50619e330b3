// Attacker probes, as issue 11 ran them, against the real local platform (ping, pong-sec, pong-unsec and
// external as processes, the metadata emulator minting real RS256 tokens) plus one more pong-sec process
// whose signing key the test holds, for claims the emulator does not mint (nbf, aud lists, email_verified of
// the wrong type). Each probe is the request an attacker sends and the refusal it must get (status + message);
// the security table in app/README.md points at these tests.
import { generateKeyPair, exportJWK, exportSPKI, importJWK, SignJWT, type JWK, type KeyObject } from 'jose';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PING_SERVICE_ACCOUNT, startLocalPlatform, type LocalPlatform } from '../../src/platforms/local/index.ts';
import { startService, stopAllServices, type ServiceProcess } from '../../app/testing/service-process.ts';

const START_BUDGET_MS = 180_000;
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/;
const GOOGLE_ISS = 'https://accounts.google.com';

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

let platform: LocalPlatform;
let ca: Buffer;
const logs: string[] = [];
const bodies: string[] = [];
/** pong-sec as a process on a key this test holds (plain HTTP: the check is the same code as on the platform). */
let ownSec: ServiceProcess;
let ownKey: KeyObject;
let ownKid: string;
let jwks: http.Server;

/** GET with any headers (a forged Host too): TLS is checked against the run CA for the name "localhost". */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const onAnswer = (res: http.IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        bodies.push(body);
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    };
    const req = url.startsWith('https:')
      ? https.request(url, { ca, servername: 'localhost', headers, agent: false }, onAnswer)
      : http.request(url, { headers, agent: false }, onAnswer);
    req.on('error', reject);
    req.end();
  });
}

const batchLines = () => logs.filter((l) => l.includes('"msg":"batch"')).length;
const errorOf = (a: Answer) => (JSON.parse(a.body) as { error: string }).error;
const nowSec = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims of a good token for `audience` (what the emulator mints), to be bent by a probe. */
function claims(audience: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSec();
  return { iss: GOOGLE_ISS, aud: audience, azp: '1', sub: '1', email: PING_SERVICE_ACCOUNT, email_verified: true, iat, exp: iat + 600, ...over };
}

async function signOwn(payload: Record<string, unknown>, kid = ownKid, key: KeyObject = ownKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
}

beforeAll(async () => {
  platform = await startLocalPlatform({ log: (line) => logs.push(line) });
  ca = readFileSync(platform.caFile);
  const pair = await generateKeyPair('RS256', { extractable: true });
  ownKey = pair.privateKey as KeyObject;
  ownKid = randomBytes(8).toString('hex');
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: ownKid, alg: 'RS256', use: 'sig' };
  jwks = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  ownSec = await startService({
    SERVICE_NAME: 'pong-sec-own-key',
    AUTH_MODE: 'id-token',
    AUTH_CERTS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`,
    AUTH_ALLOWED_PRINCIPALS: PING_SERVICE_ACCOUNT,
  });
}, START_BUDGET_MS);

afterAll(async () => {
  await platform?.stop();
  await stopAllServices();
  await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
});

describe('pong-sec audience: from the listening origin, never from a request header (defect 1)', () => {
  it.each([
    ['a token for another site', 'https://example.com', { host: 'example.com' }],
    ['a token for another site, Host and X-Forwarded-Proto forged', 'https://example.com', { host: 'example.com', 'x-forwarded-proto': 'https' }],
    ['a token for another site over a forged http proto', 'http://example.com', { host: 'example.com', 'x-forwarded-proto': 'http' }],
  ])('refuses %s with 403 "wrong audience"', async (_why, audience, headers) => {
    const token = await platform.emulator.mintIdToken({ audience });
    const r = await get(`${platform.urls.pongSec}/pong`, { ...bearer(token), ...headers });
    expect(r.status, r.body).toBe(403);
    expect(errorOf(r)).toBe('wrong audience');
  });

  it("refuses pong-unsec's token (what ping hands an unsecured target with auth=id-token), Host forged to match", async () => {
    const token = await platform.emulator.mintIdToken({ audience: platform.urls.pongUnsec });
    const r = await get(`${platform.urls.pongSec}/pong`, { ...bearer(token), host: new URL(platform.urls.pongUnsec).host });
    expect(r.status, r.body).toBe(403);
    expect(errorOf(r)).toBe('wrong audience');
  });

  it('accepts a token for its own origin (also spelled localhost), whatever the Host header says', async () => {
    const port = new URL(platform.urls.pongSec).port;
    for (const audience of [platform.urls.pongSec, `https://localhost:${port}`]) {
      const token = await platform.emulator.mintIdToken({ audience });
      expect((await get(`${platform.urls.pongSec}/pong`, bearer(token))).status, audience).toBe(200);
      expect((await get(`${platform.urls.pongSec}/pong`, { ...bearer(token), host: 'example.com' })).status, audience).toBe(200);
    }
  });
});

describe("pong-sec claims as google-auth-library's verifier checks them (defect 2)", () => {
  const own = () => platform.urls.pongSec;

  it.each([
    ['iat an hour in the future', { iatSec: () => nowSec() + 3600, lifetimeSec: 3600 }, 'token used too early: iat is more than 300 s in the future'],
    ['exp a hundred years ahead', { iatSec: () => nowSec(), lifetimeSec: 100 * 365 * 86_400 }, 'token lifetime exp - iat = 3153600000 s is longer than 86400 s'],
    ['a lifetime of one day and one second', { iatSec: () => nowSec() - 10, lifetimeSec: 86_401 }, 'is longer than 86400 s'],
    ['exp past, beyond the 300 s skew', { iatSec: () => nowSec() - 3600 - 400, lifetimeSec: 3600 }, 'token expired'],
  ])('refuses %s with 403', async (_why, mint, reason) => {
    const token = await platform.emulator.mintIdToken({ audience: own(), iatSec: mint.iatSec(), lifetimeSec: mint.lifetimeSec });
    const r = await get(`${own()}/pong`, bearer(token));
    expect(r.status, r.body).toBe(403);
    expect(errorOf(r)).toContain(reason);
  });

  it.each([
    ['iat 200 s in the future', () => nowSec() + 200, 3600],
    ['exp 200 s past', () => nowSec() - 3600 - 200, 3600],
  ])('accepts %s: inside the 300 s clock skew, as Google does', async (_why, iatSec, lifetimeSec) => {
    const token = await platform.emulator.mintIdToken({ audience: own(), iatSec: iatSec(), lifetimeSec });
    expect((await get(`${own()}/pong`, bearer(token))).status).toBe(200);
  });

  it.each([
    ['email_verified "false" (a string)', { email_verified: 'false' }, 'token email_verified must be a boolean, not "false"'],
    ['email_verified "true" (a string)', { email_verified: 'true' }, 'token email_verified must be a boolean'],
    ['email_verified false', { email_verified: false }, 'token email is not verified'],
    ['no email_verified', { email_verified: undefined }, 'token has no email_verified claim'],
    ['email not a string', { email: ['ping-sa@s2s-local.iam.gserviceaccount.com'] }, 'token has no email claim'],
    ['aud a list holding ours', { aud: 'LIST' }, 'token aud must be one string'],
    ['nbf an hour ahead', { nbf: 'HOUR' }, 'token used too early: nbf is more than 300 s in the future'],
    ['iat a string', { iat: 'yesterday' }, 'invalid claim iat'],
    ['no exp', { exp: undefined }, 'invalid claim exp'],
  ])('refuses %s with 403 (pong-sec on a key the test holds)', async (_why, over, reason) => {
    const aud = new URL(ownSec.url).origin;
    const bent: Record<string, unknown> = claims(aud, over);
    if (bent.aud === 'LIST') bent.aud = [aud, 'https://example.com'];
    if (bent.nbf === 'HOUR') bent.nbf = nowSec() + 3600;
    for (const k of Object.keys(bent)) if (bent[k] === undefined) delete bent[k];
    const r = await get(`${ownSec.url}/pong`, bearer(await signOwn(bent)));
    expect(r.status, r.body).toBe(403);
    expect(errorOf(r)).toContain(reason);
  });

  it('accepts a good token on the key the test holds (the probes above fail for their claim, not the key)', async () => {
    const r = await get(`${ownSec.url}/pong`, bearer(await signOwn(claims(new URL(ownSec.url).origin))));
    expect(r.status, r.body).toBe(200);
  });
});

describe('pong-sec refuses forged and misused tokens (held before issue 11; kept proven)', () => {
  const own = () => platform.urls.pongSec;

  it.each([
    ['alg none', 'algorithm not allowed (RS256 only)'],
    ['HS256 signed with the public key as secret', 'algorithm not allowed (RS256 only)'],
    ['an unknown key', 'signed by an unknown key'],
    ["another key under the emulator's kid", 'bad signature'],
    ['a tampered payload (principal swapped)', 'bad signature'],
    ['a wrong audience', 'wrong audience'],
    ['a wrong issuer', 'wrong issuer'],
    ['a principal not allowed', 'principal intruder@evil.iam.gserviceaccount.com is not allowed'],
    ['no email claim', 'token has no email claim'],
    ['not a JWT', 'malformed token'],
  ])('refuses %s with 403 and a short reason, never echoing the token', async (kind, reason) => {
    const emu = platform.emulator;
    let token: string;
    switch (kind) {
      case 'alg none':
        token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims(own()))}.`;
        break;
      case 'HS256 signed with the public key as secret': {
        const jwk = ((await (await fetch(emu.certsUrl)).json()) as { keys: JWK[] }).keys[0] as JWK;
        const spki = await exportSPKI((await importJWK(jwk, 'RS256', { extractable: true })) as KeyObject);
        token = await new SignJWT(claims(own())).setProtectedHeader({ alg: 'HS256', kid: emu.kid, typ: 'JWT' }).sign(new TextEncoder().encode(spki));
        break;
      }
      case 'an unknown key':
        token = await signOwn(claims(own()), randomBytes(8).toString('hex'));
        break;
      case "another key under the emulator's kid":
        token = await signOwn(claims(own()), emu.kid);
        break;
      case 'a tampered payload (principal swapped)': {
        const good = await emu.mintIdToken({ audience: own(), email: 'intruder@evil.iam.gserviceaccount.com' });
        const [header, payload, signature] = good.split('.') as [string, string, string];
        const bent = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as object), email: PING_SERVICE_ACCOUNT };
        token = `${header}.${b64url(bent)}.${signature}`;
        break;
      }
      case 'a wrong audience':
        token = await emu.mintIdToken({ audience: 'https://pong-sec.example' });
        break;
      case 'a wrong issuer':
        token = await emu.mintIdToken({ audience: own(), issuer: 'https://evil.example' });
        break;
      case 'a principal not allowed':
        token = await emu.mintIdToken({ audience: own(), email: 'intruder@evil.iam.gserviceaccount.com' });
        break;
      case 'no email claim':
        token = await emu.mintIdToken({ audience: own(), full: false });
        break;
      default:
        token = 'not-a-jwt';
    }
    const r = await get(`${own()}/pong`, bearer(token));
    expect(r.status, r.body).toBe(403);
    expect(errorOf(r)).toBe(reason);
    expect(r.body).not.toMatch(JWT_SHAPE);
  });

  it('answers 401 to another scheme and to no token, with readable help (defect 4: no "[redacted] token>")', async () => {
    const none = await get(`${platform.urls.pongSec}/pong`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.body).toBe('{"error":"missing Authorization: Bearer <ID token>"}\n');
    const basic = await get(`${platform.urls.pongSec}/pong`, { authorization: 'Basic cGluZzpwb25n' });
    expect(basic.status).toBe(401);
    expect(errorOf(basic)).toBe('Authorization is not "Bearer <ID token>"');
  });
});

describe('ping refuses ambiguous parameters: repeated, unknown, disagreeing aliases (defect 3)', () => {
  it.each([
    ['target=pong-unsec&target=evil', 'parameter target is repeated: give it once'],
    ['target=pong-unsec&count=2&count=1000000000', 'parameter count is repeated: give it once'],
    ['target=pong-unsec&count=2&nbcall=1e9', 'nbcall="1e9" is invalid: expected an integer from 1 to'],
    ['target=pong-unsec&count=2&nbcall=3', 'count=2 and nbcall=3 disagree'],
    ['target=pong-unsec&auth=id-token&useGoogleClient=false', 'auth=id-token and useGoogleClient=false disagree'],
    ['target=pong-unsec&auth=none&useGoogleClient=true', 'auth=none and useGoogleClient=true disagree'],
    ['target=pong-unsec&foo=bar', 'unknown parameter "foo": expected one of target, url, count'],
    ['target=pong-unsec&Count=5', 'unknown parameter "Count"'],
    ['target=pong-unsec&auth=id-token&auth=none', 'parameter auth is repeated'],
    ['target=pong-unsec&samples=1&samples=0', 'parameter samples is repeated'],
  ])('%s → 400 "%s", no batch run', async (query, message) => {
    const before = batchLines();
    const r = await get(`${platform.urls.ping}/ping?${query}`);
    expect(r.status, r.body).toBe(400);
    expect(errorOf(r)).toContain(message);
    expect(batchLines()).toBe(before);
  });

  it('says where a knob for the target goes when an unencoded url= spills it into ping', async () => {
    const r = await get(`${platform.urls.ping}/ping?url=${platform.urls.pongUnsec}/pong?size=10&delay_ms=5&count=3`);
    expect(r.status).toBe(400);
    expect(errorOf(r)).toContain('unknown parameter "delay_ms"');
    expect(errorOf(r)).toContain('goes inside url=, percent-encoded');
  });

  it("accepts both spellings when they agree, and the post's own form", async () => {
    const agree = await get(`${platform.urls.ping}/ping?target=pong-unsec&count=3&nbcall=3&auth=none&useGoogleClient=false`);
    expect(agree.status, agree.body).toBe(200);
    expect(JSON.parse(agree.body)).toMatchObject({ calls: 3, auth: 'none' });
    const post = await get(`${platform.urls.ping}/ping?url=${platform.urls.pongUnsec}/pong&nbcall=3&useGoogleClient=false`);
    expect(post.status, post.body).toBe(200);
  });
});

describe('ping bounds the bytes one batch may move (defect 8)', () => {
  it('refuses url=…/pong?size=1048576&count=2000 (≈ 2 GB from one request) with 400 naming PING_MAX_BATCH_BYTES', async () => {
    const before = batchLines();
    for (const query of [
      `url=${platform.urls.pongUnsec}/pong?size=1048576&count=2000`,
      `url=${encodeURIComponent(`${platform.urls.pongUnsec}/pong?size=1048576`)}&count=2000`,
      // A repeated size: the largest counts (pong itself refuses the repeat).
      `url=${encodeURIComponent(`${platform.urls.pongUnsec}/pong?size=1&size=1048576`)}&count=100`,
      `url=${encodeURIComponent(`${platform.urls.pongUnsec}/pong?size=65536`)}&count=1025`,
    ]) {
      const r = await get(`${platform.urls.ping}/ping?${query}`);
      expect(r.status, query).toBe(400);
      expect(errorOf(r), query).toContain('is over PING_MAX_BATCH_BYTES=67108864 (64 MiB)');
      expect(errorOf(r), query).toContain('lower count or size');
    }
    expect(batchLines()).toBe(before);
  });

  it('runs a batch under the bound', async () => {
    const r = await get(`${platform.urls.ping}/ping?url=${encodeURIComponent(`${platform.urls.pongUnsec}/pong?size=1024`)}&count=10`);
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ calls: 10, errors: { total: 0 } });
  });
});

describe('ping reaches only allow-listed origins (SSRF; held before issue 11; kept proven)', () => {
  const probes = (): Array<[string, string, string]> => {
    const emuPort = new URL(platform.urls.metadata).port;
    const unsec = new URL(platform.urls.pongUnsec);
    const sec = new URL(platform.urls.pongSec);
    const identity = '/computeMetadata/v1/instance/service-accounts/default/identity?audience=x';
    return [
      ['another loopback port: the metadata emulator', `http://127.0.0.1:${emuPort}${identity}`, 'not on an allow-listed origin'],
      ['the emulator port over https', `https://127.0.0.1:${emuPort}/`, 'not on an allow-listed origin'],
      ['the emulator spelled as a decimal IP', `http://2130706433:${emuPort}/`, 'not on an allow-listed origin'],
      ['the emulator spelled 127.1', `http://127.1:${emuPort}/`, 'not on an allow-listed origin'],
      ['the emulator spelled in hex', `http://0x7f.0.0.1:${emuPort}/`, 'not on an allow-listed origin'],
      ['an allowed port spelled localhost', `https://localhost:${sec.port}/pong`, 'not on an allow-listed origin'],
      ['an allowed port on IPv6 loopback', `https://[::1]:${sec.port}/pong`, 'not on an allow-listed origin'],
      ['an allowed port over plain http', `http://127.0.0.1:${unsec.port}/pong`, 'not on an allow-listed origin'],
      ['link-local metadata address', 'http://169.254.169.254/computeMetadata/v1/', 'not on an allow-listed origin'],
      ['metadata by name', 'http://metadata.google.internal/computeMetadata/v1/', 'not on an allow-listed origin'],
      ['IPv6 link-local', 'http://[fe80::1]/', 'not on an allow-listed origin'],
      ['private 10/8', 'http://10.0.0.1/', 'not on an allow-listed origin'],
      ['private 172.16/12', 'https://172.16.0.1/', 'not on an allow-listed origin'],
      ['private 192.168/16', 'http://192.168.1.1/', 'not on an allow-listed origin'],
      ['IPv6 unique local', 'http://[fd00::1]/', 'not on an allow-listed origin'],
      ['file:', 'file:///etc/passwd', 'only http(s) URLs'],
      ['gopher:', `gopher://127.0.0.1:${unsec.port}/_GET%20/`, 'only http(s) URLs'],
      ['data:', 'data:text/plain,pong', 'only http(s) URLs'],
      ['userinfo hiding the real host', `https://127.0.0.1:${unsec.port}@127.0.0.1:${emuPort}/`, 'credentials (user@) are not allowed'],
      ['userinfo on the allowed origin', `https://user:pw@127.0.0.1:${unsec.port}/pong`, 'credentials (user@) are not allowed'],
      ['a backslash before @', `https://127.0.0.1:${emuPort}\\@127.0.0.1:${unsec.port}/`, 'not on an allow-listed origin'],
      ['protocol-relative', `//127.0.0.1:${emuPort}/`, 'is not an absolute URL'],
      ['an overlong url=', `${platform.urls.pongUnsec}/pong?pad=${'a'.repeat(2100)}`, 'url is too long: at most 2048 characters'],
    ];
  };

  it('refuses every probe with 400, fetching no token and calling nothing', async () => {
    const before = { batches: batchLines(), emulator: platform.emulator.requestCount };
    for (const [why, url, message] of probes()) {
      const r = await get(`${platform.urls.ping}/ping?url=${encodeURIComponent(url)}&count=3&auth=id-token`);
      expect(r.status, why).toBe(400);
      expect(errorOf(r), why).toContain(message);
    }
    for (const query of ['target=metadata', `target=pong-sec&url=${encodeURIComponent(`${platform.urls.pongSec}/pong`)}`]) {
      expect((await get(`${platform.urls.ping}/ping?${query}&auth=id-token`)).status, query).toBe(400);
    }
    expect(platform.emulator.requestCount).toBe(before.emulator);
    expect(batchLines()).toBe(before.batches);
  });

  it('answers 414 to a request URL over 4096 characters', async () => {
    expect((await get(`${platform.urls.ping}/ping?target=pong-unsec&url=${'a'.repeat(4100)}`)).status).toBe(414);
  });
});

describe('no token anywhere', () => {
  it('no JWT in any answer or service log line of these probes', () => {
    for (const b of bodies) expect(b).not.toMatch(JWT_SHAPE);
    for (const l of logs) expect(l).not.toMatch(JWT_SHAPE);
    expect(ownSec.output()).not.toMatch(JWT_SHAPE);
  });
});
