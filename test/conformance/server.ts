// The HTTP server the conformance corpus talks to, for the recorder (real k6) and the test (s2s run)
// alike: port 0 on 127.0.0.1, deterministic answers driven by the path (see README.md, "Test server").
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ConformanceServer {
  /** http://127.0.0.1:PORT of the running server. */
  base: string;
  /** http://127.0.0.1:PORT of a port that was bound and released: connections to it are refused. */
  closedBase: string;
  close(): Promise<void>;
}

const JSON_DOC = { name: 'pong', items: [1, 2, 3], nested: { key: 'value' }, count: 3 };

function send(res: http.ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const parts = url.pathname.split('/').filter(Boolean);
  const [route = '', arg = ''] = parts;
  const n = Number(arg);
  switch (route) {
    case '':
      return send(res, 200, JSON.stringify({ ok: true }), 'application/json');
    case 'status':
      return send(res, Number.isInteger(n) && n >= 200 && n <= 599 ? n : 400, `status ${arg}`);
    case 'delay': {
      const timer = setTimeout(() => send(res, 200, JSON.stringify({ delayedMs: n }), 'application/json'), Number.isFinite(n) ? n : 0);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    case 'redirect': {
      const left = Number.isInteger(n) && n > 0 ? n : 0;
      res.writeHead(302, { location: left > 1 ? `/redirect/${left - 1}` : '/', 'content-length': 0 });
      return void res.end();
    }
    case 'echo': {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k === 'content-type' || k.startsWith('x-')));
      const doc = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: body.toString('utf8') };
      return send(res, 200, JSON.stringify(doc), 'application/json');
    }
    case 'bytes': {
      const size = Number.isInteger(n) && n >= 0 && n <= 1_000_000 ? n : 0;
      const buf = Buffer.alloc(size);
      for (let i = 0; i < size; i++) buf[i] = i % 256;
      return send(res, 200, buf, 'application/octet-stream');
    }
    case 'json':
      return send(res, 200, JSON.stringify(JSON_DOC), 'application/json');
    case 'conn':
      // Which connection served the request (the client's port) and its Connection header, for connection reuse.
      return send(res, 200, JSON.stringify({ port: req.socket.remotePort, connection: req.headers.connection ?? '' }), 'application/json');
    case 'ping':
    case 'pong': {
      // What test/fixtures/k6-v1.3.0/pong.mjs answered when reference.js was recorded.
      const code = url.searchParams.get('status') === '403' ? 403 : 200;
      return send(res, code, JSON.stringify({ ok: code === 200, inner_ms: 1.25 }), 'application/json');
    }
    case 'reset':
      // No response at all: the client sees the connection closed under it.
      return void req.socket.destroy();
    default:
      return send(res, 404, `no route ${url.pathname}`);
  }
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Starts the server (and finds a refused port) on 127.0.0.1. */
export async function startConformanceServer(): Promise<ConformanceServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);

  const probe = http.createServer();
  const closedPort = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  return {
    base: `http://127.0.0.1:${port}`,
    closedBase: `http://127.0.0.1:${closedPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
