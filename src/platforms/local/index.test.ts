// The local platform end to end: real processes, real HTTPS with the run CA, real google-auth-library
// token path through the metadata emulator.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PingResult } from '../../contract/ping.ts';
import { LocalPlatformError, PING_SERVICE_ACCOUNT, startLocalPlatform, type LocalPlatform } from './index.ts';
import { httpsGet } from './testing/https-get.ts';
import { eventually, isAlive } from '../../process/testing/processes.ts';

/** Starting four Node processes on a shared, loaded 2-core machine can take a while: a budget, not an assertion. */
const START_BUDGET_MS = 120_000;
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

describe('local platform', () => {
  let platform: LocalPlatform;
  const logLines: string[] = [];

  beforeAll(async () => {
    platform = await startLocalPlatform({ log: (line) => logLines.push(line) });
  }, START_BUDGET_MS);

  afterAll(async () => {
    await platform?.stop();
  });

  async function ping(query: string): Promise<{ status: number; result: PingResult; raw: string }> {
    const answer = await httpsGet(`${platform.urls.ping}/ping?${query}`, readFileSync(platform.resolved.caFile ?? ''));
    return { status: answer.status, result: JSON.parse(answer.body) as PingResult, raw: answer.body };
  }

  it('serves ping, pong-sec, pong-unsec and external over HTTPS on 127.0.0.1, trusted through the run CA', async () => {
    for (const url of [platform.urls.ping, platform.urls.pongSec, platform.urls.pongUnsec, platform.urls.external]) {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(platform.urls.metadata).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(platform.caFile)).toBe(true);
    expect(Object.values(platform.pids).every((pid) => pid > 0 && isAlive(pid))).toBe(true);
  });

  it('describes itself as a ResolvedPlatform for the runner', () => {
    const { resolved, urls } = platform;
    expect(resolved.platform).toBe('local');
    expect(resolved.pings).toEqual([{ source: 'local', url: urls.ping, private: false }]);
    expect(resolved.pairs).toEqual([
      { source: 'local', target: 'pong-sec', targetUrl: `${urls.pongSec}/pong`, targetPlatform: 'local', auth: 'id-token', pingAuth: 'id-token' },
      { source: 'local', target: 'pong-unsec', targetUrl: `${urls.pongUnsec}/pong`, targetPlatform: 'local', auth: 'none', pingAuth: 'none' },
      { source: 'local', target: 'external', targetUrl: `${urls.external}/pong`, targetPlatform: 'external', auth: 'none', pingAuth: 'none' },
    ]);
    expect(resolved.direct).toEqual([
      { name: 'pong-sec', url: `${urls.pongSec}/pong`, platform: 'local', auth: 'id-token', private: true },
      { name: 'pong-unsec', url: `${urls.pongUnsec}/pong`, platform: 'local', auth: 'none', private: false },
    ]);
    expect(resolved.caFile).toBe(platform.caFile);
    expect(resolved.settings).toMatchObject({ platform: 'local', pongDelayMs: 0, externalDelayMs: 0, tls: true, serviceRuntime: 'bundle' });
    expect(resolved.settings.hostCpus).toBeGreaterThan(0);
  });

  it('ping → pong-sec with an ID token: 1000 calls, 0 errors, token and TLS phases measured', async () => {
    const before = platform.emulator.fetchCount;
    const { status, result, raw } = await ping('target=pong-sec&count=1000&auth=id-token');
    expect(status).toBe(200);
    expect(raw).not.toMatch(JWT_SHAPE);
    expect(result).toMatchObject({ source: 'local', target: 'pong-sec', auth: 'id-token', countRequested: 1000, calls: 1000, truncated: false });
    expect(result.errors.total).toBe(0);
    expect(result.first.status).toBe(200);
    expect(result.first.phasesMs.tokenMs).toBeGreaterThan(0);
    expect(result.first.phasesMs.tlsMs).toBeGreaterThan(0);
    expect(result.warm.count).toBe(999);
    // The token came from the emulator, through google-auth-library in ping.
    expect(platform.emulator.fetchCount).toBe(before + 1);
  });

  it('token=fresh: every batch pays its own token fetch, a new TCP connection and a full TLS handshake', async () => {
    const audience = platform.urls.pongSec;
    const before = platform.emulator.tokenRequests()[audience] ?? 0;
    const colds = [];
    for (let i = 0; i < 5; i++) {
      const { result } = await ping('target=pong-sec&count=3&auth=id-token&token=fresh');
      expect(result.errors.total).toBe(0);
      expect(result.token).toBe('fresh');
      expect(result.first.phasesMs.tokenMs).toBeGreaterThan(0);
      expect(result.first.phasesMs.connectMs).toBeGreaterThan(0);
      expect(result.first.phasesMs.tlsMs).toBeGreaterThan(0);
      colds.push(result.first.cold);
    }
    expect(colds).toEqual(Array(5).fill({ tokenFetched: true, newConnection: true, tlsHandshake: 'full' }));
    expect((platform.emulator.tokenRequests()[audience] ?? 0) - before).toBe(5);
    // The default (token=cached) reuses the token ping holds: no fetch, and the answer says so.
    const { result } = await ping('target=pong-sec&count=3&auth=id-token');
    expect(result.first.cold).toEqual({ tokenFetched: false, newConnection: true, tlsHandshake: 'full' });
    expect((platform.emulator.tokenRequests()[audience] ?? 0) - before).toBe(5);
    const unsec = await ping('target=pong-unsec&count=3&auth=none&token=fresh');
    expect(unsec.result.first.cold).toEqual({ tokenFetched: false, newConnection: true, tlsHandshake: 'full' });
  });

  it('ping → pong-unsec without auth: 0 errors', async () => {
    const { result } = await ping('target=pong-unsec&count=1000&auth=none');
    expect(result.calls).toBe(1000);
    expect(result.errors.total).toBe(0);
    expect(result.first.phasesMs.tokenMs).toBe(0);
    expect(result.first.phasesMs.tlsMs).toBeGreaterThan(0);
  });

  it('ping → pong-sec without a token: 1000 errors counted as 401', async () => {
    const { result } = await ping('target=pong-sec&count=1000&auth=none');
    expect(result.calls).toBe(1000);
    expect(result.errors).toEqual({ total: 1000, byStatus: { 401: 1000 }, byCode: {} });
  });

  it("runs the post's own form: /ping?url=<pong-unsec>/pong&nbcall=10&useGoogleClient=false", async () => {
    const { status, result } = await ping(`url=${platform.urls.pongUnsec}/pong&nbcall=10&useGoogleClient=false`);
    expect(status).toBe(200);
    expect(result).toMatchObject({ target: 'pong-unsec', auth: 'none', calls: 10 });
    expect(result.errors.total).toBe(0);
  });

  it('reaches the external stand-in', async () => {
    const { result } = await ping('target=external&count=20&auth=none');
    expect(result.calls).toBe(20);
    expect(result.errors.total).toBe(0);
  });

  it('pong-sec accepts the emulator token the runner fetches for itself (direct calls), and refuses none', async () => {
    const token = await platform.fetchIdToken(platform.urls.pongSec);
    const withToken = await httpsGet(`${platform.urls.pongSec}/pong`, readFileSync(platform.caFile), { Authorization: `Bearer ${token}` });
    expect(withToken.status).toBe(200);
    const without = await httpsGet(`${platform.urls.pongSec}/pong`, readFileSync(platform.caFile));
    expect(without.status).toBe(401);
    // Audience is pong-sec's own origin: a token for another service is refused.
    const other = await platform.fetchIdToken(platform.urls.pongUnsec);
    expect((await httpsGet(`${platform.urls.pongSec}/pong`, readFileSync(platform.caFile), { Authorization: `Bearer ${other}` })).status).toBe(403);
  });

  it('never logs a token', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toMatch(JWT_SHAPE);
  });
});

describe('local platform with a slow pong and the metadata emulator down', () => {
  let platform: LocalPlatform;

  beforeAll(async () => {
    platform = await startLocalPlatform({ pongDelayMs: 5, externalDelayMs: 2, pingEnv: { PING_CALL_TIMEOUT_MS: '10000' } });
  }, START_BUDGET_MS);

  afterAll(async () => {
    await platform?.stop();
  });

  it('pongDelayMs slows every pong call (a regression a gate must catch)', async () => {
    const answer = await httpsGet(`${platform.urls.ping}/ping?target=pong-unsec&count=20&auth=none`, readFileSync(platform.caFile));
    const result = JSON.parse(answer.body) as PingResult;
    expect(result.errors.total).toBe(0);
    expect(result.warm.minMs).toBeGreaterThanOrEqual(5);
    expect(platform.resolved.settings).toMatchObject({ pongDelayMs: 5, externalDelayMs: 2 });
  });

  it('the metadata emulator down: ping answers with a clear token error, not a crash, and recovers', async () => {
    await platform.emulator.setDown(true);
    const answer = await httpsGet(`${platform.urls.ping}/ping?target=pong-sec&count=5&auth=id-token`, readFileSync(platform.caFile));
    expect(answer.body).not.toMatch(JWT_SHAPE);
    const result = JSON.parse(answer.body) as PingResult & { first: { error?: string } };
    expect(result.errors.total).toBeGreaterThan(0);
    expect(result.errors.byCode).toHaveProperty('TOKEN_FETCH_FAILED');
    expect(result.first.errorCode).toBe('TOKEN_FETCH_FAILED');
    expect(result.first.error).toMatch(/ID token/i);
    expect(isAlive(platform.pids.ping)).toBe(true);

    await platform.emulator.setDown(false);
    const again = JSON.parse((await httpsGet(`${platform.urls.ping}/ping?target=pong-sec&count=5&auth=id-token`, readFileSync(platform.caFile))).body) as PingResult;
    expect(again.errors.total).toBe(0);
  });

  it('stop() ends every child and removes the temp dir', async () => {
    const pids = Object.values(platform.pids);
    const dir = platform.dir;
    await platform.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    await platform.stop(); // idempotent
  });
});

describe('local platform start-up failures', () => {
  it('a service that exits at start: a clear error with its last output, the others stopped', async () => {
    const lines: string[] = [];
    const error = await startLocalPlatform({ pingEnv: { PING_MAX_COUNT: 'abc' }, log: (line) => lines.push(line) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalPlatformError);
    const message = (error as Error).message;
    expect(message).toMatch(/start ping failed: it exited \(code 2\) before its "listening" line/);
    expect(message).toMatch(/PING_MAX_COUNT="abc"/);
    const pids = lines.flatMap((line) => {
      const match = /"msg":"listening".*"pid":(\d+)/.exec(line);
      return match ? [Number(match[1])] : [];
    });
    expect(pids).toHaveLength(3); // the pongs and external had started
    expect(pids.filter(isAlive)).toEqual([]);
  }, START_BUDGET_MS);

  it('a service that never reports listening: timed out, its output in the error, nothing left running', async () => {
    const lines: string[] = [];
    const hang = join(import.meta.dirname, 'testing', 'hang-server.ts');
    const error = await startLocalPlatform({ serverEntry: hang, startTimeoutMs: 3_000, log: (line) => lines.push(line) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalPlatformError);
    expect((error as Error).message).toMatch(/timed out after 3000 ms without its "listening" line/);
    expect((error as Error).message).toMatch(/hang-server: pretending to start/);
    const pids = lines.flatMap((line) => {
      const match = /hang-server: pretending to start as (\d+)/.exec(line);
      return match ? [Number(match[1])] : [];
    });
    expect(pids.length).toBeGreaterThanOrEqual(1);
    expect(pids.filter(isAlive)).toEqual([]);
  }, START_BUDGET_MS);

  it.each([
    [{ pongDelayMs: -1 }, /pongDelayMs=-1 is out of range/],
    [{ externalDelayMs: Number.NaN }, /externalDelayMs=NaN is out of range/],
  ])('rejects %j before starting anything', async (options, message) => {
    await expect(startLocalPlatform(options)).rejects.toThrow(message);
  });

  it('uses the ping service account the emulator mints for', () => {
    expect(PING_SERVICE_ACCOUNT).toBe('ping-sa@s2s-local.iam.gserviceaccount.com');
  });
});
