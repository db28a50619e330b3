// The lean HTTP/1.1 client against hand-written responses: every framing (Content-Length, chunked,
// until close, 1xx, 204), responses split byte by byte, keep-alive vs Connection: close, bad input.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http1Caller, newPhaseMarks, type PhaseMarks } from './http1-caller.ts';
import { NodeHttpCaller } from './node-http-caller.ts';

/** A raw TCP server answering each request (one per "\r\n\r\n") with `responses[path]`, optionally dribbled byte by byte. */
let server: net.Server;
let base: string;
let connections = 0;
const received: string[] = [];

const RESPONSES: Record<string, string[]> = {
  '/length': ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'],
  '/chunked': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n'],
  '/continue': ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok'],
  '/empty': ['HTTP/1.1 204 No Content\r\n\r\n'],
  '/status': ['HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy'],
  '/close': ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'],
  '/garbage': ['SSH-2.0-OpenSSH\r\n\r\n'],
};

beforeAll(async () => {
  server = net.createServer((socket) => {
    connections++;
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        received.push(head);
        const path = /^GET (\S+)/.exec(head)?.[1] ?? '';
        const [name, mode] = path.split('?');
        if (name === '/until-close') {
          socket.end('HTTP/1.1 200 OK\r\n\r\nall of it until the end');
          return;
        }
        const response = RESPONSES[name ?? '']?.[0] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
        if (mode === 'dribble') {
          let i = 0;
          const next = () => {
            if (i < response.length) socket.write(response[i++]!, () => setImmediate(next));
          };
          next();
        } else socket.write(response);
        if (name === '/close') socket.end();
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe.each([
  ['raw', (url: URL, mode: 'reuse' | 'new') => new Http1Caller(url, mode, 2_000)],
  ['node', (url: URL, mode: 'reuse' | 'new') => new NodeHttpCaller(url, mode, 2_000)],
] as const)('%s client', (_name, make) => {
  it.each([
    ['/length', 200],
    ['/length?dribble', 200],
    ['/chunked', 200],
    ['/chunked?dribble', 200],
    ['/continue', 201],
    ['/empty', 204],
    ['/status', 503],
    ['/until-close', 200],
  ])('reads %s to its end on one connection, 3 times (status %i)', async (path, status) => {
    const caller = make(new URL(`${base}${path}`), 'reuse');
    const before = connections;
    try {
      for (let i = 0; i < 3; i++) {
        await caller.call(null);
        expect({ status: caller.status, code: caller.code }).toEqual({ status, code: null });
        expect(caller.durationMs).toBeGreaterThan(0);
      }
    } finally {
      caller.close();
    }
    // Keep-alive framings reuse the connection; until-close needs a new one per call.
    expect(connections - before).toBe(path === '/until-close' ? 3 : 1);
  });

  it('opens a new connection per call with connection=new, and for Connection: close', async () => {
    for (const [path, mode] of [
      ['/length', 'new'],
      ['/close', 'reuse'],
    ] as const) {
      const caller = make(new URL(`${base}${path}`), mode);
      const before = connections;
      for (let i = 0; i < 3; i++) {
        await caller.call(null);
        expect(caller.status).toBe(200);
      }
      caller.close();
      expect(connections - before).toBe(3);
    }
  });

  it('marks the first call phases on a new connection', async () => {
    const caller = make(new URL(`${base}/length`), 'reuse');
    const marks: PhaseMarks = newPhaseMarks();
    await caller.call(marks);
    expect(marks.lookupMs).toBe(0);
    expect(marks.secureMs).toBe(0);
    expect(marks.connectMs).toBeGreaterThan(0);
    expect(marks.sentMs).toBeGreaterThanOrEqual(marks.connectMs);
    expect(marks.responseMs).toBeGreaterThanOrEqual(marks.sentMs);
    expect(marks.newConnection).toBe(true);
    expect(marks.tlsResumed).toBeNull(); // plain TCP: no handshake
    const again = newPhaseMarks();
    await caller.call(again); // rides the kept-alive connection
    expect(again.newConnection).toBe(false);
    caller.close();
  });

  it('sends the token header and nothing else secret', async () => {
    const caller = make(new URL(`${base}/length`), 'reuse');
    caller.setToken('tok-123');
    await caller.call(null);
    caller.setToken(null);
    await caller.call(null);
    caller.close();
    const [withToken, without] = received.slice(-2);
    expect(withToken).toMatch(/\r\nauthorization: Bearer tok-123/i);
    expect(without).not.toMatch(/authorization/i);
    expect(withToken).toMatch(/^GET \/length HTTP\/1\.1\r\n/);
    expect(withToken).toMatch(/\r\nhost: 127\.0\.0\.1:\d+/i);
  });
});

describe('raw client errors', () => {
  it('reports a non-HTTP answer as EBADRESPONSE and recovers on a new connection', async () => {
    const caller = new Http1Caller(new URL(`${base}/garbage`), 'reuse', 2_000);
    await caller.call(null);
    expect(caller.code).toBe('EBADRESPONSE');
    caller.close();
  });

  it('reports a refused connection and a timeout by code', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = new Http1Caller(new URL(`http://127.0.0.1:${port}/`), 'reuse', 2_000);
    await refused.call(null);
    expect(refused.code).toBe('ECONNREFUSED');
    refused.close();

    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const slow = new Http1Caller(new URL(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`), 'reuse', 100);
    await slow.call(null);
    expect(slow.code).toBe('TIMEOUT');
    slow.close();
    silent.close();
  });

  it('cancel() ends the call in flight', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const caller = new Http1Caller(new URL(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`), 'reuse', 60_000);
    const call = caller.call(null);
    setImmediate(() => caller.cancel());
    await call;
    expect(caller.code).toBe('ABORTED');
    caller.close();
    silent.close();
  });
});
