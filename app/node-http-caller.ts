// The reference measuring client: node:http(s) `request` with a keep-alive Agent (maxSockets 1) for
// connection=reuse and a one-shot agent per call for connection=new (`client=node` on /ping). Slower
// per call than http1-caller.ts, kept to cross-check it and for targets that need node:http's rigour.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ConnectionMode } from '../src/contract/ping.ts';
import { ByteBudget, BYTES_LIMIT_CODE, CallError, type Caller, type PhaseMarks } from './http1-caller.ts';

class CallTimeoutError extends Error {
  code = 'TIMEOUT';
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'UNKNOWN';
}

/**
 * Makes calls with fixed request options; each call's outcome lands in fields, not in a new
 * object, so the warm loop stays lean.
 */
export class NodeHttpCaller implements Caller {
  status = 0;
  code: string | null = null;
  durationMs = 0;
  private readonly mod: typeof http | typeof https;
  private readonly options: https.RequestOptions;
  private current: http.ClientRequest | null = null;
  private readonly keepAliveAgent: http.Agent | null;

  constructor(
    url: URL,
    private readonly connection: ConnectionMode,
    private readonly timeoutMs: number,
    private readonly budget: ByteBudget = new ByteBudget(Infinity),
  ) {
    const isHttps = url.protocol === 'https:';
    this.mod = isHttps ? https : http;
    // maxSockets 1: every warm call rides the one kept-alive connection, as Go's client did in the post.
    this.keepAliveAgent =
      connection === 'reuse' ? new (isHttps ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 1, scheduling: 'lifo' }) : null;
    this.options = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || (isHttps ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { 'user-agent': 's2s-latency-ping' },
      // `false` gives every call its own one-shot agent: a fresh TCP connection and TLS handshake.
      agent: this.keepAliveAgent ?? false,
    };
  }

  setToken(token: string | null): void {
    this.options.headers = token ? { 'user-agent': 's2s-latency-ping', authorization: `Bearer ${token}` } : { 'user-agent': 's2s-latency-ping' };
  }

  /** Cuts the call in flight (abort); its outcome is not counted. */
  cancel(): void {
    this.current?.destroy();
  }

  close(): void {
    this.keepAliveAgent?.destroy();
  }

  /** One call; fills status/code/durationMs. `marks` asks for the phase timestamps (first call). */
  call(marks: PhaseMarks | null): Promise<void> {
    return new Promise<void>((resolve) => {
      const startMs = performance.now();
      let done = false;
      const finish = (status: number, code: string | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.durationMs = performance.now() - startMs;
        this.status = status;
        this.code = code;
        this.current = null;
        resolve();
      };
      const req = this.mod.request(this.options, (res) => {
        if (marks) marks.responseMs = performance.now();
        res.on('data', (chunk: Buffer) => {
          if (!this.budget.take(chunk.length)) req.destroy(new CallError(BYTES_LIMIT_CODE, 'the batch received more response bytes than PING_MAX_BATCH_BYTES'));
        });
        res.on('end', () => finish(res.statusCode ?? 0, null));
        res.on('error', (err) => finish(0, codeOf(err)));
        // A response cut before its end never emits 'end' (aborted) — treat it as a reset.
        res.on('close', () => finish(0, 'ECONNRESET'));
      });
      this.current = req;
      req.on('error', (err) => finish(0, codeOf(err)));
      if (marks) {
        req.once('socket', (socket: Socket) => {
          marks.newConnection = !req.reusedSocket;
          socket.once('lookup', () => (marks.lookupMs = performance.now()));
          socket.once('connect', () => (marks.connectMs = performance.now()));
          socket.once('secureConnect', () => {
            marks.secureMs = performance.now();
            marks.tlsResumed = (socket as TLSSocket).isSessionReused();
          });
        });
        req.once('finish', () => (marks.sentMs = performance.now()));
      }
      const timer = setTimeout(() => req.destroy(new CallTimeoutError(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.end();
    });
  }
}
