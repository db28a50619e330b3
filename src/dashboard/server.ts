// The live page's HTTP server: `/` is the page, `/events` the server-sent event stream (every period so
// far on connect, then each new one). It binds before the run starts, so a port in use is an error then;
// at the end it says goodbye on the stream and closes every connection — it never waits for a browser.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dashboardUrl } from './config.ts';

/** The dashboard could not listen: the message names the address and the way out. */
export class DashboardListenError extends Error {
  override name = 'DashboardListenError';
}

/** A browser that stops reading gets dropped once this much is queued for it (it reconnects and catches up). */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** A comment line now and then keeps proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export interface DashboardServerHandlers {
  /** The page's HTML. */
  page(): Promise<string>;
  /** The frames a new event-stream client gets first (meta, every period so far, the latest verdicts). */
  replay(): string;
}

export class DashboardServer {
  private readonly clients = new Set<ServerResponse>();
  private readonly keepalive: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly server: Server,
    /** The URL to open, e.g. http://127.0.0.1:5665/ */
    readonly url: string,
  ) {
    this.keepalive = setInterval(() => this.broadcast(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Listens on host:port (0 = any free port). Rejects with DashboardListenError naming the address. */
  static async listen(host: string, port: number, handlers: DashboardServerHandlers): Promise<DashboardServer> {
    let self: DashboardServer | null = null;
    const server = createServer((req, res) => {
      if (self) self.handle(req, res, handlers);
      else res.writeHead(503).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
      server.listen({ host, port }, () => resolve());
    });
    // Browsers hold the stream open: never let it keep the engine alive.
    server.unref();
    const bound = server.address() as AddressInfo;
    self = new DashboardServer(server, dashboardUrl(host, bound.port));
    return self;
  }

  private handle(req: IncomingMessage, res: ServerResponse, handlers: DashboardServerHandlers): void {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/events') {
      this.subscribe(res, handlers.replay());
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      handlers.page().then(
        (html) => {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
          res.end(req.method === 'HEAD' ? undefined : html);
        },
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`the dashboard page could not be built: ${err.message}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the dashboard serves / and /events\n');
  }

  private subscribe(res: ServerResponse, first: string): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
    // A reconnecting browser waits 2 s, not EventSource's default 3 s.
    res.write(`retry: 2000\n\n${first}`);
    if (this.closed) {
      res.end();
      return;
    }
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** Number of browsers on the event stream now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Sends frames to every event-stream client. */
  broadcast(frames: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_QUEUED_BYTES) {
        res.destroy();
        continue;
      }
      res.write(frames);
    }
  }

  /** Sends the last frames, ends every stream and stops listening; resolves once the port is free. */
  async close(lastFrames = ''): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    for (const res of this.clients) res.end(lastFrames);
    this.clients.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive page connections would hold close() open until they time out.
      this.server.closeAllConnections();
    });
  }
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): DashboardListenError {
  const where = `${host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new DashboardListenError(
        `web dashboard: ${where} is already in use (K6_WEB_DASHBOARD_PORT=${port}); stop what listens there, choose another port with K6_WEB_DASHBOARD_PORT, or set it to -1 for the export only`,
      );
    case 'EACCES':
      return new DashboardListenError(`web dashboard: not allowed to listen on ${where} (K6_WEB_DASHBOARD_PORT=${port}); use a port above 1023, or -1 for the export only`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DashboardListenError(`web dashboard: cannot listen on ${where}: K6_WEB_DASHBOARD_HOST=${host} is not an address of this machine; use e.g. 127.0.0.1`);
    default:
      return new DashboardListenError(`web dashboard: cannot listen on ${where}: ${err.message}`);
  }
}

/** Resolves when host:port can be bound right now (checked by binding and releasing it); rejects like listen(). */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port <= 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
    probe.listen({ host, port }, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
