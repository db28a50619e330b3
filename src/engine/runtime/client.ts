// The HTTP client under k6/http: node:http/https with keep-alive agents per VU (k6 keeps connections per VU),
// phase timings from socket events, and k6's numeric error codes. Plain data in, plain data out, so the same
// code runs in a VU thread (async path) and in the I/O thread that serves blocking calls (sync path).
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

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
  /** Bytes written/read on the socket for this exchange (headers + body; TLS framing not counted). */
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

/**
 * Keep-alive agents of one VU. No TLS session cache (maxCachedSessions 0): real k6 (Go's client without a
 * ClientSessionCache) does a full handshake on every new connection, checked against k6 v1.3.0 — a resumed
 * session would make a "new connection" cheaper here than in k6.
 */
export class AgentPool {
  readonly http = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  readonly https = new https.Agent({ keepAlive: true, scheduling: 'lifo', maxCachedSessions: 0 });
  readonly httpsInsecure = new https.Agent({ keepAlive: true, scheduling: 'lifo', rejectUnauthorized: false, maxCachedSessions: 0 });
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
    this.httpsInsecure.destroy();
  }
}

/** Maps a Node error to k6's error code (https://grafana.com/docs/k6/latest/javascript-api/error-codes/). */
export function errorCodeOf(err: NodeJS.ErrnoException & { code?: string }): number {
  switch (err.code) {
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

/** Canonical header name as Go (and so k6) prints it: content-type → Content-Type. */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
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
      url = new URL(spec.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw Object.assign(new Error(`unsupported protocol ${url.protocol}`), { code: 'S2S_BAD_URL' });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      resolve(failed(Object.assign(e, { code: e.code ?? 'S2S_BAD_URL' })));
      return;
    }
    const isHttps = url.protocol === 'https:';
    const agent = isHttps ? (spec.insecureSkipTLSVerify ? agents.httpsInsecure : agents.https) : agents.http;
    const headers: Record<string, string | number> = { ...spec.headers };
    const body = spec.body;
    const bodyLen = body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    if (body !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['Content-Length'] = bodyLen;

    // Phase marks (performance.now()); undefined until reached.
    let tSocket: number | undefined;
    let tLookup: number | undefined;
    let tConnect: number | undefined;
    let tSecure: number | undefined;
    let tFinish: number | undefined;
    let tFirstByte: number | undefined;
    let socket: Socket | undefined;
    let reused = false;
    let bytesWritten0 = 0;
    let bytesRead0 = 0;
    let settled = false;

    const req = (isHttps ? https : http).request(url, {
      method: spec.method,
      headers,
      agent,
      ...(isHttps && spec.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
    });

    if (signal?.aborted) {
      resolve(failed(Object.assign(new Error('request aborted: the test is stopping'), { code: 'S2S_ABORTED' })));
      return;
    }
    const timer = setTimeout(() => {
      req.destroy(Object.assign(new Error('request timeout'), { code: 'S2S_TIMEOUT' }));
    }, spec.timeoutMs);
    const onAbort = (): void => {
      req.destroy(Object.assign(new Error('request aborted: the test is stopping'), { code: 'S2S_ABORTED' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const timings = (tEnd: number): TimingsMs => {
      const socketReady = tSecure ?? tConnect ?? tSocket ?? t0;
      const connectStart = reused ? socketReady : (tLookup ?? tSocket ?? t0);
      const blocked = Math.max(0, connectStart - t0);
      const connecting = reused || tConnect === undefined ? 0 : Math.max(0, tConnect - connectStart);
      const tls = reused || tSecure === undefined || tConnect === undefined ? 0 : Math.max(0, tSecure - tConnect);
      const sendEnd = Math.max(tFinish ?? socketReady, socketReady);
      const sending = Math.max(0, sendEnd - socketReady);
      const firstByte = tFirstByte ?? tEnd;
      const waiting = Math.max(0, firstByte - sendEnd);
      const receiving = Math.max(0, tEnd - firstByte);
      return { blocked, connecting, tls_handshaking: tls, sending, waiting, receiving, duration: sending + waiting + receiving };
    };
    const finish = (hop: HopResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(hop);
    };

    req.on('socket', (s: Socket) => {
      tSocket = performance.now();
      socket = s;
      bytesWritten0 = s.bytesWritten;
      bytesRead0 = s.bytesRead;
      // A socket from the keep-alive pool is already connected: nothing to time but the exchange.
      reused = !s.connecting && !(s as Socket & { pending?: boolean }).pending;
      if (!reused) {
        s.once('lookup', () => { tLookup = performance.now(); });
        s.once('connect', () => { tConnect = performance.now(); });
        if (isHttps) s.once('secureConnect', () => { tSecure = performance.now(); });
      }
    });
    req.on('finish', () => { tFinish = performance.now(); });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const tEnd = performance.now();
      finish(failed(err, {
        timings: timings(tEnd),
        bytesSent: socket ? Math.max(0, socket.bytesWritten - bytesWritten0) : 0,
        bytesReceived: socket ? Math.max(0, socket.bytesRead - bytesRead0) : 0,
      }));
    });
    req.on('response', (res: http.IncomingMessage) => {
      tFirstByte = performance.now();
      const chunks: Buffer[] = [];
      const keepBody = spec.responseType !== 'none';
      res.on('data', (c: Buffer) => { if (keepBody) chunks.push(c); });
      res.on('error', (err: NodeJS.ErrnoException) => {
        finish(failed(err, { status: res.statusCode ?? 0, timings: timings(performance.now()) }));
      });
      res.on('end', () => {
        const tEnd = performance.now();
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined) continue;
          headers[canonicalHeader(k)] = Array.isArray(v) ? v.join(', ') : v;
        }
        const status = res.statusCode ?? 0;
        const s = res.socket ?? socket;
        finish({
          method: spec.method,
          url: spec.url,
          status,
          statusText: `${status} ${res.statusMessage ?? ''}`.trim(),
          proto: `HTTP/${res.httpVersion}`,
          headers,
          body: keepBody ? new Uint8Array(Buffer.concat(chunks)) : null,
          error: '',
          errorCode: status >= 400 && status < 600 ? 1000 + status : 0,
          timings: timings(tEnd),
          bytesSent: s ? Math.max(0, s.bytesWritten - bytesWritten0) : 0,
          bytesReceived: s ? Math.max(0, s.bytesRead - bytesRead0) : 0,
          remoteIp: s?.remoteAddress ?? '',
          remotePort: s?.remotePort ?? 0,
          tlsVersion: tlsVersionOf(s),
          endTimeMs: performance.timeOrigin + tEnd,
          requestHeaders: spec.headers,
        });
      });
    });
    if (body !== null) req.end(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    else req.end();
  });
}

function tlsVersionOf(s: Socket | undefined): string {
  const proto = (s as (Socket & { getProtocol?: () => string | null }) | undefined)?.getProtocol?.();
  return proto ? proto.replace(/^TLSv/, 'tls') : '';
}
