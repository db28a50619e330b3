// The HTTP client under k6/http: undici (Node's own HTTP/1.1 client project; 7.x for Node 20) with keep-alive
// pools per VU and origin (k6 keeps connections per VU), k6's timing phases from undici's dispatch callbacks plus a
// timed connector, and k6's numeric error codes. Plain data in, plain data out.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { buildConnector, Client, type Dispatcher } from 'undici';

/** One request as the k6/http shim hands it over (structured-cloneable). */
export interface RequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  timeoutMs: number;
  responseType: 'text' | 'binary' | 'none';
  /** Redirects still allowed for this request (k6 `maxRedirects`, per-request `redirects`). */
  maxRedirects: number;
  insecureSkipTLSVerify: boolean;
  /** k6 `noConnectionReuse`: the request asks `connection: close` and its connection is closed after it. */
  noConnectionReuse?: boolean;
}

/** k6's http timings, all in milliseconds. */
export interface TimingsMs {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  /** sending + waiting + receiving (k6's http_req_duration: connect and TLS excluded). */
  duration: number;
}

/** One hop of a request (redirects produce several, each measured like k6 does). */
export interface HopResult {
  method: string;
  url: string;
  status: number;
  statusText: string;
  proto: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  /** '' when the exchange itself succeeded (an HTTP 4xx/5xx still sets errorCode, like k6). */
  error: string;
  errorCode: number;
  timings: TimingsMs;
  /** Bytes of this exchange on the wire: request and response heads + bodies (TLS framing not counted). */
  bytesSent: number;
  bytesReceived: number;
  remoteIp: string;
  remotePort: number;
  /** k6's tls_version tag value (tls1.2, tls1.3) for HTTPS, '' otherwise. */
  tlsVersion: string;
  /** Wall-clock end of the exchange, ms since the epoch (the sample time). */
  endTimeMs: number;
  requestHeaders: Record<string, string>;
}

const ZERO_TIMINGS: TimingsMs = { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 };

/** A connection being (or just) made, waiting for the request it was made for to claim its timings. */
interface ConnectRecord {
  tStart: number;
  tLookup?: number;
  tConnect?: number;
  tSecure?: number;
  done: boolean;
}

/**
 * One origin's connections for one VU, with what they told us (remote address, TLS version). One undici Client
 * per connection, picked here: undici's own Pool opens a second connection for a VU's second sequential request
 * (its first client is still marked busy then), where k6 reuses the first.
 */
class OriginPool {
  private readonly clients: Array<{ client: Client; busy: number }> = [];
  private readonly connect: buildConnector.connector;
  /** Connections made and not yet claimed by a request (oldest first). */
  readonly unclaimed: ConnectRecord[] = [];
  remoteIp = '';
  remotePort = 0;
  tlsVersion = '';

  constructor(private readonly origin: string, insecure: boolean) {
    // No TLS session cache (maxCachedSessions 0): real k6 (Go's client without a ClientSessionCache) does a full
    // handshake on every new connection, checked against k6 v1.3.0 — a resumed session would make a "new
    // connection" cheaper here than in k6.
    const inner = buildConnector({ rejectUnauthorized: !insecure, timeout: 60_000, maxCachedSessions: 0 });
    const connect: buildConnector.connector = (opts, callback) => {
      const rec: ConnectRecord = { tStart: performance.now(), done: false };
      this.unclaimed.push(rec);
      const socket = inner(opts, (err, sock) => {
        rec.done = true;
        if (!err && sock) {
          this.remoteIp = (sock as Socket).remoteAddress ?? '';
          this.remotePort = (sock as Socket).remotePort ?? 0;
          const proto = (sock as TLSSocket).getProtocol?.();
          this.tlsVersion = proto ? proto.replace(/^TLSv/, 'tls') : '';
        } else {
          const i = this.unclaimed.indexOf(rec);
          if (i >= 0) this.unclaimed.splice(i, 1);
        }
        callback(err, sock as never);
      }) as unknown as Socket;
      socket.once('lookup', () => { rec.tLookup = performance.now(); });
      socket.once('connect', () => { rec.tConnect = performance.now(); });
      if (opts.protocol === 'https:') socket.once('secureConnect', () => { rec.tSecure = performance.now(); });
      return socket as never;
    };
    this.connect = connect;
  }

  /** A free connection (as many as the VU's concurrent requests need: k6 has no per-host cap outside batch). */
  take(): { client: Client; busy: number } {
    for (const c of this.clients) if (c.busy === 0) { c.busy++; return c; }
    const c = { client: new Client(this.origin, { connect: this.connect, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 }), busy: 1 };
    this.clients.push(c);
    return c;
  }

  destroy(): void {
    for (const c of this.clients) void c.client.destroy().catch(() => undefined);
    this.clients.length = 0;
  }

  /** The connection made for a request dispatched at t0, if one was (fresh connections are claimed in order). */
  claim(t0: number): ConnectRecord | undefined {
    const i = this.unclaimed.findIndex((r) => r.done && r.tStart >= t0 - 0.001);
    if (i < 0) return undefined;
    return this.unclaimed.splice(i, 1)[0];
  }
}

/** Keep-alive pools of one VU, by origin and TLS verification. */
export class AgentPool {
  private readonly pools = new Map<string, OriginPool>();
  /** Parsed URLs of this VU's recent requests (a script asks for the same few URLs again and again). */
  private readonly urls = new Map<string, URL>();
  parse(url: string): URL {
    let u = this.urls.get(url);
    if (!u) {
      u = new URL(url);
      if (this.urls.size >= 64) this.urls.clear();
      this.urls.set(url, u);
    }
    return u;
  }
  get(origin: string, insecure: boolean): OriginPool {
    const key = insecure ? `!${origin}` : origin;
    let p = this.pools.get(key);
    if (!p) {
      p = new OriginPool(origin, insecure);
      this.pools.set(key, p);
    }
    return p;
  }
  destroy(): void {
    for (const p of this.pools.values()) p.destroy();
    this.pools.clear();
  }
}

/** Maps a Node error to k6's error code (https://grafana.com/docs/k6/latest/javascript-api/error-codes/). */
export function errorCodeOf(err: NodeJS.ErrnoException & { code?: string }): number {
  switch (err.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 1050;
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 1220;
    case 'S2S_TIMEOUT':
    case 'ETIMEDOUT':
      return 1050;
    case 'ERR_INVALID_URL':
    case 'S2S_BAD_URL':
      return 1020;
    case 'ENOTFOUND':
      return 1101;
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return 1100;
    case 'ECONNREFUSED':
      return 1212;
    case 'ECONNRESET':
      return 1220;
    case 'EPIPE':
    case 'ECONNABORTED':
      return 1200;
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 1210;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_UNTRUSTED':
      return 1310;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 1311;
    case 'CERT_HAS_EXPIRED':
      return 1300;
    default:
      if (typeof err.code === 'string' && (err.code.startsWith('ERR_SSL') || err.code.startsWith('ERR_TLS'))) return 1300;
      return 1000;
  }
}

function errorMessageOf(err: NodeJS.ErrnoException & { address?: string; port?: number }, method: string, url: string): string {
  switch (err.code) {
    case 'S2S_TIMEOUT':
      return 'request timeout';
    case 'ECONNREFUSED':
      return `dial tcp ${err.address ?? ''}${err.port ? `:${err.port}` : ''}: connect: connection refused`;
    case 'ENOTFOUND':
      return `lookup ${safeHost(url)}: no such host`;
    default:
      return `${method} ${url}: ${err.message}`;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

const canonical = new Map<string, string>();
/** Canonical header name as Go (and so k6) prints it: content-type → Content-Type (memoised: names repeat). */
export function canonicalHeader(name: string): string {
  let c = canonical.get(name);
  if (c === undefined) {
    c = name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, ch: string) => d + ch.toUpperCase());
    if (canonical.size < 4096) canonical.set(name, c);
  }
  return c;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Performs a request, following redirects; returns every hop (the last is the response). */
export async function performRequest(spec: RequestSpec, agents: AgentPool, signal?: AbortSignal): Promise<HopResult[]> {
  const hops: HopResult[] = [];
  let current = spec;
  for (;;) {
    const hop = await performHop(current, agents, signal);
    hops.push(hop);
    const location = hop.headers['Location'];
    if (hop.error || !REDIRECT_STATUSES.has(hop.status) || location === undefined || current.maxRedirects <= 0) return hops;
    let next: string;
    try {
      next = new URL(location, current.url).toString();
    } catch {
      return hops;
    }
    const keepMethod = hop.status === 307 || hop.status === 308;
    current = {
      ...current,
      url: next,
      method: keepMethod ? current.method : current.method === 'HEAD' ? 'HEAD' : 'GET',
      body: keepMethod ? current.body : null,
      maxRedirects: current.maxRedirects - 1,
    };
  }
}

/** Bytes of an HTTP/1.1 request head as undici writes it (request line, host, our headers, framing). */
function requestHeadBytes(method: string, url: URL, headers: Record<string, string>, bodyLen: number, close: boolean): number {
  let n = method.length + url.pathname.length + url.search.length + 13 + 8 + url.host.length;
  for (const k in headers) n += k.length + headers[k]!.length + 4;
  if (bodyLen > 0) n += 18 + String(bodyLen).length;
  // "connection: keep-alive\r\n" or "connection: close\r\n", then the blank line.
  return n + (close ? 19 : 24) + 2;
}

function performHop(spec: RequestSpec, agents: AgentPool, signal?: AbortSignal): Promise<HopResult> {
  return new Promise<HopResult>((resolve) => {
    const t0 = performance.now();
    let url: URL;
    const failed = (err: NodeJS.ErrnoException, partial?: Partial<HopResult>): HopResult => ({
      method: spec.method, url: spec.url, status: 0, statusText: '', proto: '', headers: {}, body: null,
      error: errorMessageOf(err, spec.method, spec.url), errorCode: errorCodeOf(err), timings: { ...ZERO_TIMINGS },
      bytesSent: 0, bytesReceived: 0, remoteIp: '', remotePort: 0, tlsVersion: '',
      endTimeMs: performance.timeOrigin + performance.now(), requestHeaders: spec.headers, ...partial,
    });
    try {
      url = agents.parse(spec.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw Object.assign(new Error(`unsupported protocol ${url.protocol}`), { code: 'S2S_BAD_URL' });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      resolve(failed(Object.assign(e, { code: e.code ?? 'S2S_BAD_URL' })));
      return;
    }
    if (signal?.aborted) {
      resolve(failed(Object.assign(new Error('request aborted: the test is stopping'), { code: 'S2S_ABORTED' })));
      return;
    }
    const origin = agents.get(url.origin, url.protocol === 'https:' && spec.insecureSkipTLSVerify);
    let headers = spec.headers;
    // user:pass@ in the URL is basic auth, as in k6 (undici, unlike node:http, does not do it by itself).
    if ((url.username || url.password) && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
      const cred = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      headers = { ...headers, Authorization: `Basic ${Buffer.from(cred).toString('base64')}` };
    }
    const body = spec.body;
    const bodyBuf = body === null ? null : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const bodyLen = bodyBuf === null ? 0 : bodyBuf.byteLength;

    // Phase marks (performance.now()); undefined until reached.
    let tSendStart: number | undefined;
    let tSent: number | undefined;
    let tFirstByte: number | undefined;
    let conn: ConnectRecord | undefined;
    let abortFn: ((err: Error) => void) | undefined;
    let pendingAbort: Error | undefined;
    let settled = false;
    let status = 0;
    let statusText = '';
    const resHeaders: Record<string, string> = {};
    let headBytes = 0;
    let bodyBytes = 0;
    const chunks: Buffer[] = [];
    const keepBody = spec.responseType !== 'none';

    const timings = (tEnd: number): TimingsMs => {
      const sendStart = tSendStart ?? tEnd;
      const connectStart = conn ? (conn.tLookup ?? conn.tStart) : sendStart;
      const blocked = Math.max(0, connectStart - t0);
      const connecting = conn?.tConnect !== undefined ? Math.max(0, conn.tConnect - connectStart) : 0;
      const tls = conn?.tSecure !== undefined && conn.tConnect !== undefined ? Math.max(0, conn.tSecure - conn.tConnect) : 0;
      const sendEnd = Math.max(tSent ?? sendStart, sendStart);
      const sending = Math.max(0, sendEnd - sendStart);
      const firstByte = tFirstByte ?? tEnd;
      const waiting = Math.max(0, firstByte - sendEnd);
      const receiving = Math.max(0, tEnd - firstByte);
      return { blocked, connecting, tls_handshaking: tls, sending, waiting, receiving, duration: sending + waiting + receiving };
    };
    const slot = origin.take();
    const finish = (hop: HopResult): void => {
      if (settled) return;
      settled = true;
      slot.busy--;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(hop);
    };
    const sent = (): number => (tSendStart === undefined ? 0 : requestHeadBytes(spec.method, url, spec.headers, bodyLen, spec.noConnectionReuse === true) + bodyLen);
    // A request still queued for a connection cannot be aborted yet: it settles now and is aborted once it starts.
    const stop = (err: NodeJS.ErrnoException): void => {
      if (settled) return;
      if (abortFn) abortFn(err);
      else pendingAbort = err;
      finish(failed(err, { timings: timings(performance.now()), bytesSent: sent() }));
    };
    const timer = setTimeout(() => stop(Object.assign(new Error('request timeout'), { code: 'S2S_TIMEOUT' })), spec.timeoutMs);
    const onAbort = (): void => stop(Object.assign(new Error('request aborted: the test is stopping'), { code: 'S2S_ABORTED' }));
    signal?.addEventListener('abort', onAbort, { once: true });

    const handler: Dispatcher.DispatchHandler = {
      onConnect(abort: (err?: Error) => void) {
        tSendStart = performance.now();
        conn = origin.claim(t0);
        abortFn = abort;
        if (pendingAbort) abort(pendingAbort);
      },
      onRequestSent() {
        tSent = performance.now();
      },
      onResponseStarted() {
        tFirstByte ??= performance.now();
      },
      onHeaders(statusCode: number, rawHeaders: Buffer[] | string[] | null, _resume: () => void, text: string) {
        tFirstByte ??= performance.now();
        status = statusCode;
        statusText = text;
        headBytes = 15 + text.length;
        if (rawHeaders) {
          for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
            const k = canonicalHeader(rawHeaders[i]!.toString());
            const v = rawHeaders[i + 1]!.toString();
            headBytes += k.length + v.length + 4;
            resHeaders[k] = k in resHeaders ? `${resHeaders[k]}, ${v}` : v;
          }
        }
        return true;
      },
      onData(chunk: Buffer) {
        bodyBytes += chunk.byteLength;
        if (keepBody) chunks.push(chunk);
        return true;
      },
      onComplete() {
        const tEnd = performance.now();
        const hop: HopResult = {
          method: spec.method,
          url: spec.url,
          status,
          statusText: `${status} ${statusText}`.trim(),
          proto: 'HTTP/1.1',
          headers: resHeaders,
          body: keepBody ? new Uint8Array(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)) : null,
          error: '',
          errorCode: status >= 400 && status < 600 ? 1000 + status : 0,
          timings: timings(tEnd),
          bytesSent: sent(),
          bytesReceived: headBytes + 2 + bodyBytes,
          remoteIp: origin.remoteIp,
          remotePort: origin.remotePort,
          tlsVersion: url.protocol === 'https:' ? origin.tlsVersion : '',
          endTimeMs: performance.timeOrigin + tEnd,
          requestHeaders: spec.headers,
        };
        finish(hop);
      },
      onError(err: Error) {
        const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
        // undici wraps socket errors; k6's code comes from the cause (ECONNRESET …) when there is one.
        const cause = e.code === 'UND_ERR_SOCKET' && e.cause?.code ? e.cause : e;
        finish(failed(cause, { status, timings: timings(performance.now()), bytesSent: sent(), bytesReceived: headBytes + bodyBytes }));
      },
    } as Dispatcher.DispatchHandler;
    try {
      slot.client.dispatch({
        origin: url.origin,
        path: url.pathname + url.search,
        method: spec.method,
        headers,
        body: bodyBuf,
        // undici then writes `connection: close` and destroys the socket after the response (Go's
        // DisableKeepAlives, which k6's noConnectionReuse sets, does the same).
        ...(spec.noConnectionReuse ? { reset: true } : {}),
      }, handler);
    } catch (err) {
      finish(failed(err as NodeJS.ErrnoException));
    }
  });
}
