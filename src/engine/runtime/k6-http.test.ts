// k6/http against a real local server: verbs (sync and async), params, tags, errors and their codes, expected
// statuses, json selectors, response types, redirects, batch, and the metrics each request emits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanScripts, deadPort, harness, startServer, writeScript, type Harness, type TestServer } from './test-support.ts';

let server: TestServer;
let refused: number;
beforeAll(async () => {
  server = await startServer();
  refused = await deadPort();
});
afterAll(async () => {
  await server.close();
  cleanScripts();
});

/** Runs `body` (a function body using http, BASE, out()) once and returns what it passed to out(). */
async function run(body: string, opts: { async?: boolean; keep?: boolean } = {}): Promise<{ out: unknown[]; h: Harness }> {
  const file = writeScript(`http-${Math.random().toString(36).slice(2)}.js`, `
    import http from 'k6/http';
    const BASE = __ENV.BASE;
    const out = (v) => console.log(JSON.stringify(v));
    export default ${opts.async ? 'async ' : ''}function () { ${body} }
  `);
  const h = await harness(file, { env: { BASE: server.url } });
  try {
    const r = await h.iterate();
    if (!r.ok) throw new Error(`iteration failed: ${r.error}`);
    const out = h.logs.filter((l) => l.level === 'info').map((l) => JSON.parse(l.msg) as unknown);
    return { out, h };
  } finally {
    if (!opts.keep) await h.close();
  }
}

describe('verbs', () => {
  const verbs: Array<[string, string, string]> = [
    ['get', 'GET', `http.get(BASE + '/echo')`],
    ['head', 'HEAD', `http.head(BASE + '/echo')`],
    ['post', 'POST', `http.post(BASE + '/echo', 'payload')`],
    ['put', 'PUT', `http.put(BASE + '/echo', 'payload')`],
    ['patch', 'PATCH', `http.patch(BASE + '/echo', 'payload')`],
    ['del', 'DELETE', `http.del(BASE + '/echo', 'payload')`],
    ['options', 'OPTIONS', `http.options(BASE + '/echo', 'payload')`],
    ['request', 'PUT', `http.request('PUT', BASE + '/echo', 'payload')`],
  ];
  it.each(verbs)('sync http.%s sends %s', async (_name, method, call) => {
    const { out } = await run(`const r = ${call}; out({ status: r.status, body: r.body, method: r.request.method });`);
    const [r] = out as Array<{ status: number; body: string; method: string }>;
    expect(r?.status).toBe(200);
    expect(r?.method).toBe(method);
    if (method !== 'HEAD') {
      const echoed = JSON.parse(r!.body) as { method: string; body: string };
      expect(echoed.method).toBe(method);
      if (call.includes('payload')) expect(echoed.body).toBe('payload');
    } else expect(r?.body).toBe('');
  });
  it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])('async http.asyncRequest %s', async (method) => {
    const { out } = await run(`const r = await http.asyncRequest('${method}', BASE + '/echo', 'b'); out(r.json('method'));`, { async: true });
    expect(out).toEqual([method]);
  });
});

describe('params', () => {
  it('sends headers, form bodies and cookies', async () => {
    const { out } = await run(`
      const r = http.post(BASE + '/echo', { a: '1', b: 'x y' }, { headers: { 'X-Test': 'yes' }, cookies: { c1: 'v1' } });
      out(r.json());`);
    const echoed = out[0] as { headers: Record<string, string>; body: string };
    expect(echoed.headers['x-test']).toBe('yes');
    expect(echoed.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(echoed.headers['cookie']).toBe('c1=v1');
    expect(echoed.body).toBe('a=1&b=x+y');
  });

  it('tags every http_* sample with system and user tags', async () => {
    const { h } = await run(`http.get(BASE + '/echo?q=1', { tags: { target: 'pong', name: 'echo' } });`, { keep: true });
    try {
      const metrics = ['http_reqs', 'http_req_duration', 'http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking',
        'http_req_sending', 'http_req_waiting', 'http_req_receiving', 'http_req_failed'];
      for (const m of metrics) {
        const [s] = h.of(m);
        expect(s, m).toBeDefined();
        expect(s!.tags).toMatchObject({
          method: 'GET', url: `${server.url}/echo?q=1`, name: 'echo', status: '200', proto: 'HTTP/1.1',
          expected_response: 'true', group: '', scenario: 'default', target: 'pong',
        });
      }
      expect(h.of('http_req_duration')[0]!.contains).toBe('time');
      expect(h.of('http_req_failed')[0]!.type).toBe('rate');
      expect(h.of('data_sent')[0]!.value).toBeGreaterThan(0);
      expect(h.of('data_received')[0]!.value).toBeGreaterThan(0);
      expect(h.of('data_sent')[0]!.tags).toMatchObject({ group: '', scenario: 'default' });
    } finally {
      await h.close();
    }
  });

  it('timings add up: duration = sending + waiting + receiving', async () => {
    const { out } = await run(`out(http.get(BASE + '/delay?ms=30').timings);`);
    const t = out[0] as Record<string, number>;
    for (const k of ['blocked', 'connecting', 'tls_handshaking', 'sending', 'waiting', 'receiving', 'duration']) expect(t[k]).toBeGreaterThanOrEqual(0);
    expect(t['duration']).toBeCloseTo(t['sending']! + t['waiting']! + t['receiving']!, 6);
    expect(t['waiting']).toBeGreaterThanOrEqual(25); // the server holds the response for 30 ms
  });

  it.each([
    ['sync', false, `const r = http.get(BASE + '/delay?ms=5000', { timeout: '200ms' });`],
    ['async', true, `const r = await http.asyncRequest('GET', BASE + '/delay?ms=5000', null, { timeout: 200 });`],
  ])('%s timeout gives error_code 1050', async (_n, isAsync, call) => {
    const { out, h } = await run(`${call} out({ status: r.status, code: r.error_code, error: r.error });`, { async: isAsync, keep: true });
    try {
      expect(out[0]).toEqual({ status: 0, code: 1050, error: 'request timeout' });
      expect(h.of('http_req_failed')[0]!.value).toBe(1);
      expect(h.of('http_reqs')[0]!.tags).toMatchObject({ error_code: '1050', status: '0', expected_response: 'false' });
      expect(h.logs.some((l) => l.level === 'warning' && l.msg.includes('Request Failed'))).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('connection refused gives error_code 1212', async () => {
    const { out } = await run(`const r = http.get('http://127.0.0.1:${refused}/'); out([r.status, r.error_code, r.error.includes('connection refused')]);`);
    expect(out[0]).toEqual([0, 1212, true]);
  });

  it('a URL that does not parse gives error_code 1020 and no metrics (k6 v1.3.0)', async () => {
    const { out, h } = await run(`const r = http.get('http://[bad'); out(r.error_code);`, { keep: true });
    expect(out[0]).toBe(1020);
    expect(h.of('http_reqs')).toHaveLength(0);
    await h.close();
  });

  it.each([['nope://x', 'nope'], ['not a url', '']])('%s is a failed request: 1000 "unsupported protocol scheme", with metrics (k6 v1.3.0)', async (url, scheme) => {
    const { out, h } = await run(`const r = http.get(${JSON.stringify(url)}); out([r.status, r.error_code, r.error]);`, { keep: true });
    expect(out[0]).toEqual([0, 1000, `unsupported protocol scheme "${scheme}"`]);
    expect(h.of('http_reqs')).toHaveLength(1);
    await h.close();
  });
});

describe('expected statuses', () => {
  const cases: Array<[string, string, number | null, string | null, string]> = [
    ['default 200–399: 403 fails', `http.get(BASE + '/status?code=403')`, 1, 'false', '1403'],
    ['default: 302 without follow passes', `http.get(BASE + '/redirect', { redirects: 0 })`, 0, 'true', ''],
    ['responseCallback expectedStatuses(403)', `http.get(BASE + '/status?code=403', { responseCallback: http.expectedStatuses(403) })`, 0, 'true', '1403'],
    ['range {min,max}', `http.get(BASE + '/status?code=404', { responseCallback: http.expectedStatuses({ min: 400, max: 404 }) })`, 0, 'true', '1404'],
    ['null: no http_req_failed', `http.get(BASE + '/status?code=500', { responseCallback: null })`, null, null, '1500'],
    ['setResponseCallback', `http.setResponseCallback(http.expectedStatuses(201)); http.get(BASE + '/status?code=200')`, 1, 'false', ''],
  ];
  it.each(cases)('%s', async (_name, call, failed, expectedTag, errorCode) => {
    const { h } = await run(`${call};`, { keep: true });
    try {
      const f = h.of('http_req_failed');
      if (failed === null) expect(f).toHaveLength(0);
      else expect(f.map((s) => s.value)).toEqual([failed]);
      const tags = h.of('http_reqs')[0]!.tags;
      expect(tags['expected_response']).toBe(expectedTag ?? undefined);
      expect(tags['error_code'] ?? '').toBe(errorCode);
    } finally {
      await h.close();
    }
  });
});

describe('responses', () => {
  it.each([
    ['inner_ms', 1.25],
    ['a.b.0', 10],
    ['a.b.1.c', 'deep'],
    ['a.b[1].c', 'deep'],
    ['list.#', 3],
    ['a.x\\\\.y', 'dotted'],
    ['flag', true],
    ['missing.path', null],
  ])('json(%s)', async (selector, expected) => {
    const { out } = await run(`const v = http.get(BASE + '/json').json('${selector}'); out(v === undefined ? null : v);`);
    expect(out[0]).toEqual(expected);
  });

  it('json() without selector returns the document as script-realm objects', async () => {
    const { out } = await run(`const d = http.get(BASE + '/json').json(); out([Array.isArray(d.list), d.list instanceof Array, d.a.b[1].c]);`);
    expect(out[0]).toEqual([true, true, 'deep']);
  });

  it.each([
    ['text', `typeof r.body === 'string' && r.body.length`, 16],
    ['binary', `r.body instanceof ArrayBuffer || Object.prototype.toString.call(r.body) === '[object ArrayBuffer]' ? new Uint8Array(r.body)[15] : -1`, 15],
    ['none', `r.body === null`, true],
  ])('responseType %s', async (type, expr, expected) => {
    const { out } = await run(`const r = http.get(BASE + '/bytes?n=16', { responseType: '${type}' }); out(${expr});`);
    expect(out[0]).toEqual(expected);
  });

  it('headers are canonicalized like k6', async () => {
    const { out } = await run(`const r = http.get(BASE + '/echo'); out([r.headers['Content-Type'], r.headers['X-Custom'], r.status_text, r.proto]);`);
    expect(out[0]).toEqual(['application/json', 'yes', '200 OK', 'HTTP/1.1']);
  });

  it('follows redirects (one sample per hop) unless redirects: 0', async () => {
    const { out, h } = await run(`
      const a = http.get(BASE + '/redirect?to=/echo');
      const b = http.get(BASE + '/redirect?to=/echo', { redirects: 0 });
      out([a.status, a.url.endsWith('/echo'), b.status]);`, { keep: true });
    try {
      expect(out[0]).toEqual([200, true, 302]);
      expect(h.of('http_reqs').map((s) => s.tags['status'])).toEqual(['302', '200', '302']);
    } finally {
      await h.close();
    }
  });

  it('batch runs array and object forms', async () => {
    const { out, h } = await run(`
      const arr = http.batch([BASE + '/echo?1', ['POST', BASE + '/echo', 'x'], { method: 'PUT', url: BASE + '/echo', body: 'y' }]);
      const obj = http.batch({ one: BASE + '/json', two: ['GET', BASE + '/status?code=204'] });
      out([arr.map((r) => r.json('method')), obj.one.json('list.#'), obj.two.status]);`, { keep: true });
    try {
      expect(out[0]).toEqual([['GET', 'POST', 'PUT'], 3, 204]);
      expect(h.of('http_reqs')).toHaveLength(5);
    } finally {
      await h.close();
    }
  });

  it('http.url templates set the name tag', async () => {
    const { h } = await run(`const id = 7; http.get(http.url\`\${BASE}/echo?id=\${id}\`);`, { keep: true });
    try {
      expect(h.of('http_reqs')[0]!.tags['name']).toBe('${}/echo?id=${}');
      expect(h.of('http_reqs')[0]!.tags['url']).toBe(`${server.url}/echo?id=7`);
    } finally {
      await h.close();
    }
  });
});

describe('connection reuse (k6 options noConnectionReuse, noVUConnectionReuse)', () => {
  /** Runs two iterations of three sequential GET /conn and returns, per iteration, the client ports and headers. */
  async function ports(options: string): Promise<Array<Array<{ port: number; connection: string }>>> {
    const file = writeScript(`conn-${Math.random().toString(36).slice(2)}.js`, `
      import http from 'k6/http';
      export const options = ${options};
      export default function () {
        const seen = [];
        for (let i = 0; i < 3; i++) seen.push(http.get(__ENV.BASE + '/conn').json());
        console.log(JSON.stringify(seen));
      }
    `);
    const h = await harness(file, { env: { BASE: server.url } });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await h.iterate();
        if (!r.ok) throw new Error(`iteration failed: ${r.error}`);
      }
      expect(h.logs.filter((l) => l.level === 'warn')).toEqual([]);
      return h.logs.filter((l) => l.level === 'info').map((l) => JSON.parse(l.msg) as Array<{ port: number; connection: string }>);
    } finally {
      await h.close();
    }
  }
  const distinct = (its: Array<Array<{ port: number }>>): number => new Set(its.flat().map((r) => r.port)).size;

  it('by default a VU keeps one keep-alive connection across requests and iterations', async () => {
    const its = await ports('{}');
    expect(distinct(its)).toBe(1);
    expect(its.flat().every((r) => r.connection === 'keep-alive')).toBe(true);
  });
  it('noConnectionReuse: every request asks connection: close and gets a new connection', async () => {
    const its = await ports('{ noConnectionReuse: true }');
    expect(distinct(its)).toBe(6);
    expect(its.flat().every((r) => r.connection === 'close')).toBe(true);
  });
  it('noVUConnectionReuse: one connection within an iteration, a new one for the next', async () => {
    const its = await ports('{ noVUConnectionReuse: true }');
    expect(its.map((it) => new Set(it.map((r) => r.port)).size)).toEqual([1, 1]);
    expect(distinct(its)).toBe(2);
  });
});

describe('unsupported', () => {
  it.each([
    ['http.file()', `http.file('x')`],
    ['http.cookieJar()', `http.cookieJar()`],
    ['http params.jar', `http.get(BASE + '/echo', { jar: {} })`],
    ['Response.html()', `http.get(BASE + '/echo').html()`],
  ])('%s fails naming the API and suggesting real k6', async (api, call) => {
    const file = writeScript(`unsup-${Math.random().toString(36).slice(2)}.js`, `import http from 'k6/http'; const BASE = __ENV.BASE; export default function () { ${call}; }`);
    const h = await harness(file, { env: { BASE: server.url } });
    try {
      const r = await h.iterate();
      expect(r.ok).toBe(false);
      expect(r.error).toContain(api);
      expect(r.error).toContain('real k6');
    } finally {
      await h.close();
    }
  });
});
