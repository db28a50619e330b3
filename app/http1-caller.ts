// The lean measuring client: sequential HTTP/1.1 GETs written as one prebuilt buffer on a socket
// this module opens itself (net/tls), the response framed by a small state machine (status line,
// headers, Content-Length / chunked / until-close bodies). node:http's per-request objects cost
// about as much as the loopback round trip itself; this keeps ping's warm p50 close to wrk's.
import net from 'node:net';
import tls from 'node:tls';
import type { ConnectionMode } from '../src/contract/ping.ts';

/** Phase timestamps of a call on a new connection, performance.now() ms (0 = did not happen). */
export interface PhaseMarks {
  lookupMs: number;
  connectMs: number;
  secureMs: number;
  sentMs: number;
  responseMs: number;
  /** True when this call opened its own connection (false: it rode one already open). */
  newConnection: boolean;
  /** TLS session resumed from an earlier connection (null: no TLS handshake happened on this call). */
  tlsResumed: boolean | null;
}

/** Marks for a call whose phases are timed (the first call of a batch). */
export function newPhaseMarks(): PhaseMarks {
  return { lookupMs: 0, connectMs: 0, secureMs: 0, sentMs: 0, responseMs: 0, newConnection: false, tlsResumed: null };
}

/** What ping's batch needs from a client: one call at a time, outcome in fields (no per-call object). */
export interface Caller {
  status: number;
  code: string | null;
  durationMs: number;
  setToken(token: string | null): void;
  call(marks: PhaseMarks | null): Promise<void>;
  cancel(): void;
  close(): void;
}

/** The error code of a call cut because its batch moved more response bytes than it may. */
export const BYTES_LIMIT_CODE = 'BATCH_BYTES_LIMIT';

/**
 * Response bytes one batch may still receive (PING_MAX_BATCH_BYTES), shared by its calls: the up-front
 * `count × size` check cannot see a target that sends large bodies unasked, so the callers count what arrives.
 */
export class ByteBudget {
  constructor(private remaining: number) {}

  /** False once the batch is over its budget (the caller then cuts the call). */
  take(bytes: number): boolean {
    this.remaining -= bytes;
    return this.remaining >= 0;
  }
}

export class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** A response head larger than this is not a pong: refuse it rather than buffer without end. */
const MAX_HEAD_BYTES = 64 * 1024;

enum State {
  Idle,
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
}

export class Http1Caller implements Caller {
  status = 0;
  code: string | null = null;
  durationMs = 0;

  private socket: net.Socket | null = null;
  private requestBytes: Buffer;
  private readonly isHttps: boolean;
  private readonly host: string;
  private readonly port: number;
  private readonly servername: string | undefined;

  // Per-call state, reset by call(): fields, not closures, so the data handler is allocated once per socket.
  private state = State.Idle;
  private head: Buffer | null = null;
  private remaining = 0;
  private keepAlive = true;
  private startMs = 0;
  private marks: PhaseMarks | null = null;
  private resolveCall: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chunkLine = '';

  constructor(
    private readonly url: URL,
    private readonly connection: ConnectionMode,
    private readonly timeoutMs: number,
    private readonly budget: ByteBudget = new ByteBudget(Infinity),
  ) {
    this.isHttps = url.protocol === 'https:';
    this.host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.port = Number(url.port || (this.isHttps ? 443 : 80));
    this.servername = this.isHttps && net.isIP(this.host) === 0 ? this.host : undefined;
    this.requestBytes = this.buildRequest(null);
  }

  private buildRequest(token: string | null): Buffer {
    const auth = token ? `Authorization: Bearer ${token}\r\n` : '';
    const conn = this.connection === 'new' ? 'Connection: close\r\n' : '';
    return Buffer.from(
      `GET ${this.url.pathname}${this.url.search} HTTP/1.1\r\nHost: ${this.url.host}\r\nUser-Agent: s2s-latency-ping\r\nAccept: */*\r\n${conn}${auth}\r\n`,
      'latin1',
    );
  }

  setToken(token: string | null): void {
    this.requestBytes = this.buildRequest(token);
  }

  cancel(): void {
    this.socket?.destroy(new CallError('ABORTED', 'batch stopped'));
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  call(marks: PhaseMarks | null): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolveCall = resolve;
      this.marks = marks;
      this.state = State.Head;
      this.head = null;
      this.keepAlive = this.connection === 'reuse';
      this.startMs = performance.now();
      this.timer = setTimeout(this.onTimeout, this.timeoutMs);
      let socket = this.socket;
      if (socket === null || socket.destroyed) socket = this.open();
      if (marks) socket.write(this.requestBytes, this.onWritten);
      else socket.write(this.requestBytes);
    });
  }

  private open(): net.Socket {
    const marks = this.marks;
    // No `session` option: every connection does a full TLS handshake (a first call is cold, never resumed).
    const socket = this.isHttps
      ? tls.connect({ host: this.host, port: this.port, servername: this.servername, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    if (marks) {
      marks.newConnection = true;
      socket.once('lookup', () => (marks.lookupMs = performance.now()));
      socket.once('connect', () => (marks.connectMs = performance.now()));
      socket.once('secureConnect', () => {
        marks.secureMs = performance.now();
        marks.tlsResumed = (socket as tls.TLSSocket).isSessionReused();
      });
    }
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (err: Error & { code?: string }) => this.finish(0, err.code || 'UNKNOWN', socket));
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      if (this.state === State.UntilClose) this.finish(this.status, null, socket);
      else this.finish(0, 'ECONNRESET', socket);
    });
    this.socket = socket;
    return socket;
  }

  private readonly onWritten = () => {
    if (this.marks) this.marks.sentMs = performance.now();
  };

  private readonly onTimeout = () => {
    this.socket?.destroy(new CallError('TIMEOUT', `no answer within ${this.timeoutMs} ms`));
  };

  /** Ends the call in flight (once); a connection that cannot carry the next request is dropped. */
  private finish(status: number, code: string | null, socket: net.Socket): void {
    const resolve = this.resolveCall;
    if (resolve === null || socket !== this.socket && this.socket !== null) return;
    this.resolveCall = null;
    this.durationMs = performance.now() - this.startMs;
    this.status = status;
    this.code = code;
    this.state = State.Idle;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (code !== null || !this.keepAlive) {
      socket.destroy();
      if (this.socket === socket) this.socket = null;
    }
    resolve();
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (!this.budget.take(chunk.length)) {
      socket.destroy(new CallError(BYTES_LIMIT_CODE, 'the batch received more response bytes than PING_MAX_BATCH_BYTES'));
      return;
    }
    if (this.state === State.Idle) {
      // Bytes nobody asked for: the connection is out of step, do not reuse it.
      socket.destroy();
      return;
    }
    let buf = chunk;
    while (buf.length > 0 && this.resolveCall !== null) {
      switch (this.state) {
        case State.Head: {
          if (this.head === null && this.marks && this.marks.responseMs === 0) this.marks.responseMs = performance.now();
          const joined: Buffer = this.head ? Buffer.concat([this.head, buf]) : buf;
          const end = joined.indexOf(CRLFCRLF);
          if (end < 0) {
            if (joined.length > MAX_HEAD_BYTES) return this.finish(0, 'EBADRESPONSE', socket);
            this.head = joined;
            return;
          }
          this.head = null;
          if (!this.parseHead(joined.toString('latin1', 0, end))) return this.finish(0, 'EBADRESPONSE', socket);
          buf = joined.subarray(end + 4);
          if ((this.state as State) === State.Idle) return this.finish(this.status, null, socket);
          break;
        }
        case State.Body: {
          if (buf.length < this.remaining) {
            this.remaining -= buf.length;
            return;
          }
          buf = buf.subarray(this.remaining);
          this.remaining = 0;
          return this.finish(this.status, null, socket);
        }
        case State.ChunkSize:
        case State.Trailers: {
          const nl = buf.indexOf(10);
          if (nl < 0) {
            this.chunkLine += buf.toString('latin1');
            if (this.chunkLine.length > MAX_HEAD_BYTES) return this.finish(0, 'EBADRESPONSE', socket);
            return;
          }
          const line = (this.chunkLine + buf.toString('latin1', 0, nl)).trim();
          this.chunkLine = '';
          buf = buf.subarray(nl + 1);
          if (this.state === State.Trailers) {
            if (line === '') return this.finish(this.status, null, socket);
            break;
          }
          const size = parseInt(line.split(';', 1)[0] ?? '', 16);
          if (!Number.isFinite(size) || size < 0) return this.finish(0, 'EBADRESPONSE', socket);
          if (size === 0) this.state = State.Trailers;
          else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, buf.length);
          this.remaining -= take;
          buf = buf.subarray(take);
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          break;
        }
        case State.ChunkDataEnd: {
          const take = Math.min(this.remaining, buf.length);
          this.remaining -= take;
          buf = buf.subarray(take);
          if (this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.UntilClose:
          return;
        default:
          return;
      }
    }
  }

  /** Reads the status line and the framing headers; sets the next state. False when malformed. */
  private parseHead(head: string): boolean {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (!m) return false;
    const status = Number(m[2]);
    if (status >= 100 && status < 200) {
      // 1xx (100 Continue, 103 Early Hints): the real head follows.
      this.state = State.Head;
      return true;
    }
    this.status = status;
    let length = -1;
    let chunked = false;
    let close = m[1] === '0';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      if (name === 'content-length') length = Number(line.slice(colon + 1).trim());
      else if (name === 'transfer-encoding') chunked = /chunked/i.test(line.slice(colon + 1));
      else if (name === 'connection') {
        const v = line.slice(colon + 1).toLowerCase();
        if (v.includes('close')) close = true;
        else if (v.includes('keep-alive')) close = false;
      }
    }
    if (close) this.keepAlive = false;
    if (status === 204 || status === 304) this.state = State.Idle;
    else if (chunked) {
      this.state = State.ChunkSize;
      this.chunkLine = '';
    } else if (length >= 0 && Number.isFinite(length)) {
      this.remaining = length;
      this.state = length === 0 ? State.Idle : State.Body;
    } else {
      this.keepAlive = false;
      this.state = State.UntilClose;
    }
    return true;
  }
}
