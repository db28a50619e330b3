// /ping in-process over plain HTTP: batches, parameter bounds, the allow-list (with proof that no
// request leaves), failing targets, guards (deadline, concurrency, client gone) and token handling.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PingResult } from '../src/contract/ping.ts';
import { IdTokenCache } from '../src/auth/id-token-cache.ts';
import { LatencyHistogram } from '../src/results/histogram.ts';
import { listen, startApp, startCounter, type Running } from './testing/servers.ts';

const FAKE_JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

async function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const res = await fetch(url);
  return { status: res.status, headers: Object.fromEntries(res.headers) as http.IncomingHttpHeaders, body: await res.text() };
}

async function ping(base: string, query: string): Promise<PingResult> {
  const r = await get(`${base}/ping?${query}`);
  expect(r.status, r.body).toBe(200);
  return JSON.parse(r.body) as PingResult;
}

let pong: Running & { logs: string[] };
let counter: Running & { count: () => number };
let gate: Running & { seen: () => number; release: () => void };
let sockets: Running & { connections: () => number };
let redirect: Running;
let closedUrl: string;
let svc: Awaited<ReturnType<typeof startApp>>;
const seenAuth: string[] = [];

beforeAll(async () => {
  pong = await startApp({ SERVICE_NAME: 'pong-unsec' });
  counter = await startCounter();
  // Holds every request until released: a batch that is provably running.
  let seen = 0;
  const held: http.ServerResponse[] = [];
  let released = false;
  const g = await listen((_req, res) => {
    seen++;
    if (released) res.end('ok');
    else held.push(res);
  });
  gate = {
    ...g,
    seen: () => seen,
    release: () => {
      released = true;
      for (const r of held.splice(0)) r.end('ok');
    },
  };
  let connections = 0;
  const s = await listen((req, res) => {
    if (req.headers.authorization) seenAuth.push(req.headers.authorization);
    res.end('ok');
  });
  s.server.on('connection', () => connections++);
  sockets = { ...s, connections: () => connections };
  redirect = await listen((_req, res) => {
    res.writeHead(302, { location: `${counter.url}/pong` });
    res.end();
  });
  const closed = await listen(() => {});
  closedUrl = closed.url;
  await closed.close();
  const targets = [
    `pong-unsec=${pong.url}`,
    `gate=${gate.url}`,
    `sockets=${sockets.url}`,
    `redirect=${redirect.url}`,
    `down=${closedUrl}`,
  ].join(',');
  const tokens = new IdTokenCache({ providerFor: async () => ({ fetchIdToken: async () => FAKE_JWT }) });
  svc = await startApp(
    { PING_TARGETS: targets, PING_MAX_COUNT: '5000', PING_MAX_SAMPLES: '5', PING_MAX_CONCURRENT_BATCHES: '1' },
    { tokens },
  );
});

afterAll(async () => {
  gate?.release();
  await Promise.all([svc, pong, counter, gate, sockets, redirect].map((s) => s?.close()));
});

describe('batches', () => {
  it('measures an unsecured batch: first-call phases, warm stats, a mergeable histogram', async () => {
    const r = await ping(svc.url, 'target=pong-unsec&count=200');
    expect(r).toMatchObject({ schemaVersion: 1, source: 'local', target: 'pong-unsec', auth: 'none', connection: 'reuse', calls: 200, truncated: false });
    expect(r.url).toBe(`${pong.url}/pong`);
    expect(r.errors, JSON.stringify(r.first)).toEqual({ total: 0, byStatus: {}, byCode: {} });
    expect(r.first.status).toBe(200);
    expect(r.first.error).toBeUndefined();
    expect(r.client).toBe('raw');
    expect(r.first.phasesMs.tokenMs).toBe(0);
    expect(r.first.phasesMs.tlsMs).toBe(0);
    expect(r.first.phasesMs.connectMs).toBeGreaterThan(0);
    expect(r.first.phasesMs.totalMs).toBeGreaterThanOrEqual(r.first.phasesMs.ttfbMs);
    expect(r.warm.count).toBe(199);
    expect(r.warm.minMs).toBeLessThanOrEqual(r.warm.p50Ms);
    expect(r.warm.p50Ms).toBeLessThanOrEqual(r.warm.p99Ms);
    expect(r.warm.p99Ms).toBeLessThanOrEqual(r.warm.maxMs);
    expect(LatencyHistogram.fromSnapshot(r.histogram).count).toBe(199);
    expect(r.samplesMs).toBeUndefined();
    expect(svc.logs.some((l) => l.includes('"msg":"batch"') && l.includes('"target":"pong-unsec"'))).toBe(true);
  });

  it("runs the post's own form: url=<pong>/pong&nbcall=10&useGoogleClient=false", async () => {
    const r = await ping(svc.url, `url=${pong.url}/pong&nbcall=10&useGoogleClient=false`);
    expect(r).toMatchObject({ target: 'pong-unsec', calls: 10, countRequested: 10, auth: 'none' });
    expect(r.errors.total).toBe(0);
  });

  it('keeps one connection with connection=reuse and opens one per call with connection=new', async () => {
    const before = sockets.connections();
    await ping(svc.url, 'target=sockets&count=20');
    expect(sockets.connections() - before).toBe(1);
    const mid = sockets.connections();
    const r = await ping(svc.url, 'target=sockets&count=6&connection=new');
    expect(r.connection).toBe('new');
    expect(sockets.connections() - mid).toBe(6);
  });

  it('gives the same counts with client=node (node:http) as with the default raw client', async () => {
    const before = sockets.connections();
    const r = await ping(svc.url, 'target=sockets&count=30&client=node');
    expect(r).toMatchObject({ client: 'node', calls: 30, errors: { total: 0 } });
    expect(r.warm.count).toBe(29);
    expect(sockets.connections() - before).toBe(1);
    const bad = await ping(svc.url, `url=${pong.url}/pong?status=418&count=4&client=node`);
    expect(bad.errors.byStatus).toEqual({ '418': 4 });
    const down = await ping(svc.url, 'target=down&count=3&client=node');
    expect(down.errors.byCode).toEqual({ ECONNREFUSED: 3 });
  });

  it('returns samples when asked, capped by PING_MAX_SAMPLES', async () => {
    const r = await ping(svc.url, 'target=pong-unsec&count=20&samples=1');
    expect(r.samplesMs).toHaveLength(5);
    expect(r.samplesTruncated).toBe(true);
    const small = await ping(svc.url, 'target=pong-unsec&count=4&samples=1');
    expect(small.samplesMs).toHaveLength(3);
    expect(small.samplesTruncated).toBe(false);
  });

  it('counts non-2xx answers by status and does not follow redirects', async () => {
    const r = await ping(svc.url, `url=${pong.url}/pong?status=503&count=5`);
    expect(r.errors).toEqual({ total: 5, byStatus: { '503': 5 }, byCode: {} });
    expect(r.warm.count).toBe(0);
    const before = counter.count();
    const red = await ping(svc.url, 'target=redirect&count=3');
    expect(red.errors.byStatus).toEqual({ '302': 3 });
    expect(counter.count()).toBe(before);
  });

  it('prints a small table with format=text', async () => {
    const r = await get(`${svc.url}/ping?target=pong-unsec&count=5&format=text`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toContain('first call');
    expect(r.body).toContain('warm calls 4');
    expect(r.body).toContain('p99');
  });
});

describe('parameters', () => {
  it.each([
    ['count=0', 'count'],
    ['count=-1', 'count'],
    ['count=abc', 'count'],
    ['count=1.5', 'count'],
    ['count=5001', 'count'],
    ['nbcall=0', 'nbcall'],
  ])('rejects %s with 400 naming %s and the range', async (q, name) => {
    const before = pong.logs.length;
    const r = await get(`${svc.url}/ping?target=pong-unsec&${q}`);
    expect(r.status).toBe(400);
    const { error } = JSON.parse(r.body) as { error: string };
    expect(error).toContain(`${name}=`);
    expect(error).toContain('from 1 to 5000');
    expect(pong.logs.length).toBe(before);
  });

  it.each([
    ['auth=basic', 'auth='],
    ['connection=pool', 'connection='],
    ['format=xml', 'format='],
    ['useGoogleClient=maybe', 'useGoogleClient='],
    ['samples=2', 'samples='],
  ])('rejects %s with 400 naming the parameter', async (q, name) => {
    const r = await get(`${svc.url}/ping?target=pong-unsec&${q}`);
    expect(r.status).toBe(400);
    expect(r.body).toContain(name);
  });

  it('needs a target and names the allowed ones', async () => {
    const r = await get(`${svc.url}/ping`);
    expect(r.status).toBe(400);
    expect(r.body).toContain('pong-unsec');
  });
});

describe('allow-list', () => {
  const escapes = (): Array<[string, string]> => {
    const pongPort = new URL(pong.url).port;
    const counterPort = new URL(counter.url).port;
    return [
      ['another port', `url=${encodeURIComponent(`${counter.url}/pong`)}`],
      ['another host name for an allowed port', `url=${encodeURIComponent(`http://localhost:${pongPort}/pong`)}`],
      ['the metadata address', `url=${encodeURIComponent('http://169.254.169.254/computeMetadata/v1/')}`],
      ['file:', `url=${encodeURIComponent('file:///etc/passwd')}`],
      ['userinfo trick', `url=${encodeURIComponent(`http://127.0.0.1:${pongPort}@127.0.0.1:${counterPort}/pong`)}`],
      ['userinfo on the allowed origin', `url=${encodeURIComponent(`http://user:pw@127.0.0.1:${pongPort}/pong`)}`],
      ['https on the allowed host:port', `url=${encodeURIComponent(`https://127.0.0.1:${pongPort}/pong`)}`],
      ['not a URL', 'url=%2F%2F127.0.0.1'],
      ['an unknown target name', 'target=counter'],
      ['both target and url', `target=pong-unsec&url=${encodeURIComponent(`${pong.url}/pong`)}`],
    ];
  };

  it('rejects every escape with 400 and makes no outbound request', async () => {
    const before = counter.count();
    const pongBefore = svc.logs.length;
    for (const [why, q] of escapes()) {
      const r = await get(`${svc.url}/ping?${q}&count=3&auth=id-token`);
      expect(r.status, why).toBe(400);
      expect(r.body, why).toMatch(/url|target/);
    }
    expect(counter.count()).toBe(before);
    expect(svc.logs.length).toBe(pongBefore);
  });

  it('accepts url= with its own path and query on an allowed origin', async () => {
    const r = await ping(svc.url, `url=${encodeURIComponent(`${pong.url}/pong?size=10`)}&count=3`);
    expect(r.url).toBe(`${pong.url}/pong?size=10`);
    expect(r.errors.total).toBe(0);
  });
});

describe('failing targets', () => {
  it('counts a target that is down by error code, and stays up', async () => {
    const r = await ping(svc.url, 'target=down&count=5');
    expect(r.calls).toBe(5);
    expect(r.first.errorCode).toBe('ECONNREFUSED');
    expect(r.first.status).toBeNull();
    expect(r.errors).toEqual({ total: 5, byStatus: {}, byCode: { ECONNREFUSED: 5 } });
    expect((await get(`${svc.url}/healthz`)).body).toContain('"ok":true');
  });

  it('cuts calls slower than PING_CALL_TIMEOUT_MS as TIMEOUT', async () => {
    const impatient = await startApp({ PING_TARGETS: `pong=${pong.url}`, PING_CALL_TIMEOUT_MS: '200' });
    try {
      for (const client of ['raw', 'node']) {
        const r = await ping(impatient.url, `url=${encodeURIComponent(`${pong.url}/pong?delay_ms=10000`)}&count=2&client=${client}`);
        expect(r.errors.byCode, client).toEqual({ TIMEOUT: 2 });
        expect(r.calls).toBe(2);
      }
    } finally {
      await impatient.close();
    }
  });

  it('returns a partial result when the target dies mid-batch', async () => {
    let served = 0;
    const dying = await listen((_req, res) => {
      served++;
      res.end('ok');
      if (served === 20) {
        dying.server.close();
        dying.server.closeAllConnections();
      }
    });
    const svc2 = await startApp({ PING_TARGETS: `dying=${dying.url}` });
    try {
      const r = await ping(svc2.url, 'target=dying&count=60');
      expect(r.calls).toBe(60);
      expect(r.warm.count).toBeGreaterThanOrEqual(18);
      expect(r.warm.count).toBeLessThan(59);
      expect(r.errors.total).toBeGreaterThan(0);
      expect(Object.keys(r.errors.byCode).every((c) => /^E[A-Z]+$/.test(c))).toBe(true);
      expect((await get(`${svc2.url}/healthz`)).status).toBe(200);
    } finally {
      await svc2.close();
    }
  });
});

describe('guards', () => {
  it('answers 503 with Retry-After past PING_MAX_CONCURRENT_BATCHES, and a gone client stops its batch', async () => {
    const controller = new AbortController();
    const first = fetch(`${svc.url}/ping?target=gate&count=1000`, { signal: controller.signal }).catch(() => null);
    await vi.waitFor(() => expect(gate.seen()).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
    const busy = await get(`${svc.url}/ping?target=pong-unsec&count=1`);
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    controller.abort();
    await first;
    await vi.waitFor(() => expect(svc.logs.some((l) => l.includes('"target":"gate"') && l.includes('"aborted":true'))).toBe(true), {
      timeout: 20_000,
      interval: 20,
    });
    const line = JSON.parse(svc.logs.find((l) => l.includes('"target":"gate"'))!) as { calls: number; truncated: boolean };
    expect(line.truncated).toBe(true);
    expect(line.calls).toBeLessThan(1000);
    expect(svc.app.activeBatches).toBe(0);
    gate.release();
  });

  it('stops at the batch deadline with a truncated partial result', async () => {
    const slow = await startApp({ PING_TARGETS: `pong=${pong.url}/pong?delay_ms=30`, PING_BATCH_DEADLINE_MS: '200' });
    try {
      const r = await ping(slow.url, 'target=pong&count=1000');
      expect(r.truncated).toBe(true);
      expect(r.calls).toBeLessThan(1000);
      expect(r.countRequested).toBe(1000);
    } finally {
      await slow.close();
    }
  });

  it('refuses request bodies, other methods and huge URLs', async () => {
    expect((await fetch(`${svc.url}/ping?target=pong-unsec`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await get(`${svc.url}/ping?target=pong-unsec&x=${'a'.repeat(5000)}`)).status).toBe(414);
    expect((await get(`${svc.url}/nope`)).status).toBe(404);
  });
});

describe('ID tokens', () => {
  it('sends the token with auth=id-token and times its fetch; never shows it', async () => {
    seenAuth.length = 0;
    const r = await get(`${svc.url}/ping?target=sockets&count=5&auth=id-token`);
    const body = JSON.parse(r.body) as PingResult;
    expect(body.auth).toBe('id-token');
    expect(body.first.phasesMs.tokenMs).toBeGreaterThan(0);
    expect(seenAuth).toEqual(Array(5).fill(`Bearer ${FAKE_JWT}`));
    expect(r.body).not.toContain('eyJ');
    expect(svc.logs.join('\n')).not.toContain('eyJ');
  });

  it('token=fresh fetches a token for every batch; the default reuses the cached one (and says which)', async () => {
    let fetches = 0;
    // Built at run time with a readable exp, so the cache keeps it (a token without exp is used once).
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const expiring = `${b64({ alg: 'RS256' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 3600 })}.c2ln`;
    const tokens = new IdTokenCache({ providerFor: async () => ({ fetchIdToken: async () => (fetches++, expiring) }) });
    const svc4 = await startApp({ PING_TARGETS: `sockets=${sockets.url}` }, { tokens });
    try {
      const cached = [];
      for (let i = 0; i < 2; i++) cached.push((await ping(svc4.url, 'target=sockets&count=2&auth=id-token')).first.cold);
      expect(fetches).toBe(1);
      expect(cached).toEqual([
        { tokenFetched: true, newConnection: true, tlsHandshake: 'none' },
        { tokenFetched: false, newConnection: true, tlsHandshake: 'none' },
      ]);
      for (let i = 0; i < 3; i++) {
        const r = await ping(svc4.url, 'target=sockets&count=2&auth=id-token&token=fresh');
        expect(r.token).toBe('fresh');
        expect(r.first.cold).toEqual({ tokenFetched: true, newConnection: true, tlsHandshake: 'none' });
      }
      expect(fetches).toBe(4);
      const bad = await get(`${svc4.url}/ping?target=sockets&token=stale`);
      expect(bad.status).toBe(400);
      expect((JSON.parse(bad.body) as { error: string }).error).toBe('token="stale" is invalid: expected one of cached, fresh');
    } finally {
      await svc4.close();
    }
  });

  it('useGoogleClient=true means auth=id-token; auth=none sends no token', async () => {
    seenAuth.length = 0;
    expect((await ping(svc.url, 'target=sockets&count=2&useGoogleClient=true')).auth).toBe('id-token');
    expect(seenAuth).toHaveLength(2);
    seenAuth.length = 0;
    await ping(svc.url, 'target=sockets&count=2&auth=none');
    expect(seenAuth).toHaveLength(0);
  });

  it('reports a failed token fetch as a clear, redacted error without calling the target', async () => {
    const failing = new IdTokenCache({
      providerFor: async () => ({
        fetchIdToken: async () => {
          throw new Error(`Could not fetch ID token: connect ECONNREFUSED 127.0.0.1:1 (token ${FAKE_JWT})`);
        },
      }),
    });
    const svc3 = await startApp({ PING_TARGETS: `counter=${counter.url}` }, { tokens: failing });
    try {
      const before = counter.count();
      const r = await get(`${svc3.url}/ping?target=counter&count=10&auth=id-token`);
      expect(r.status).toBe(200);
      const body = JSON.parse(r.body) as PingResult;
      expect(body.first.errorCode).toBe('TOKEN_FETCH_FAILED');
      expect(body.first.error).toContain('Could not fetch ID token');
      expect(body.first.error).toContain(counter.url);
      expect(body.errors.byCode).toEqual({ TOKEN_FETCH_FAILED: 1 });
      expect(body.truncated).toBe(true);
      expect(counter.count()).toBe(before);
      expect(r.body).not.toContain('eyJ');
      expect(svc3.logs.join('\n')).not.toContain('eyJ');
    } finally {
      await svc3.close();
    }
  });
});
