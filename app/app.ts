// Builds the service's request handler from a config: /pong (the measured target), /ping (runs a
// batch of timed calls to an allow-listed target) and /healthz. No listening here (server.ts
// does that), so tests and the local platform can run it in-process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PingResult } from '../src/contract/ping.ts';
import { IdTokenCache, idTokenCache } from '../src/auth/id-token-cache.ts';
import { redact, redactError } from '../src/auth/redact.ts';
import type { AppConfig } from './config.ts';
import { runBatch } from './batch.ts';
import { ParamError, parsePingRequest } from './ping-params.ts';
import { KnobError, answerPong, parsePongKnobs } from './pong.ts';
import { renderPingText } from './ping-text.ts';
import { TokenVerifier } from './token-verifier.ts';

/** Longest request target we accept (a /ping url= plus its knobs fits easily). */
export const MAX_REQUEST_URL_LENGTH = 4096;

export type LogFn = (record: Record<string, unknown>) => void;

export interface AppDeps {
  tokens?: IdTokenCache;
  /** One JSON record per call; default: a JSON line on stdout. Records are redacted again on write. */
  log?: LogFn;
}

export interface App {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Batches running now. */
  readonly activeBatches: number;
  /** Waits for running batches up to `graceMs`, then cuts them (partial results are still answered). */
  drain(graceMs: number): Promise<void>;
  /** Where the server listens (`https://127.0.0.1:8443`): pong-sec's audiences when AUTH_AUDIENCE is unset. */
  listening(url: string): void;
}

export function defaultLog(record: Record<string, unknown>): void {
  process.stdout.write(`${redact(JSON.stringify({ time: new Date().toISOString(), ...record }))}\n`);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = redact(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`${text}\n`);
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: redact(message) }, headers);
}

/**
 * The audiences a token may name when AUTH_AUDIENCE is unset: the origin the service listens on (and, on
 * loopback, its `localhost` spelling, which reaches the same socket). Never a request header: Host and
 * X-Forwarded-Proto are the caller's to choose, so an audience built from them accepts any token.
 */
export function listeningOrigins(listenUrl: string): string[] {
  const url = new URL(listenUrl);
  const origins = [url.origin];
  if (url.hostname === '127.0.0.1' || url.hostname === '[::1]') {
    const alias = new URL(url.origin);
    alias.hostname = 'localhost';
    origins.push(alias.origin);
  }
  return origins;
}

export function createApp(config: AppConfig, deps: AppDeps = {}): App {
  const tokens = deps.tokens ?? idTokenCache;
  const log = deps.log ?? defaultLog;
  const verifier =
    config.authMode === 'id-token'
      ? new TokenVerifier({ certsUrl: config.authCertsUrl, issuers: config.authIssuers, allowedPrincipals: config.authAllowedPrincipals })
      : null;
  let ownOrigins: string[] | null = null;
  const running = new Set<AbortController>();
  const idle = new Set<() => void>();

  const pong = (req: IncomingMessage, res: ServerResponse, search: URLSearchParams, startMs: number) => {
    let knobs;
    try {
      knobs = parsePongKnobs(search, config.pongDefaultDelayMs);
    } catch (err) {
      if (err instanceof KnobError) return sendError(res, 400, err.message);
      throw err;
    }
    if (!verifier) return void answerPong(req, res, knobs, startMs);
    const audiences = config.authAudiences ?? ownOrigins;
    // Not listening yet (or embedded without telling us where): no audience to check against, so refuse.
    if (audiences === null) return sendError(res, 503, 'pong-sec does not know its audience yet: set AUTH_AUDIENCE or call listening(url)');
    verifier.check(req.headers.authorization, audiences).then(
      (verdict) => {
        if (verdict.ok) return answerPong(req, res, knobs, startMs);
        const headers: Record<string, string> = verdict.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
        sendError(res, verdict.status, verdict.reason, headers);
      },
      (err: unknown) => sendError(res, 500, `token check failed: ${redactError(err)}`),
    );
  };

  const ping = async (req: IncomingMessage, res: ServerResponse, search: URLSearchParams) => {
    let request;
    try {
      request = parsePingRequest(search, config);
    } catch (err) {
      if (err instanceof ParamError) return sendError(res, 400, err.message);
      throw err;
    }
    if (running.size >= config.pingMaxConcurrentBatches) {
      return sendError(res, 503, `too many /ping batches running (PING_MAX_CONCURRENT_BATCHES=${config.pingMaxConcurrentBatches}); retry later`, {
        'retry-after': '1',
      });
    }
    const controller = new AbortController();
    running.add(controller);
    // The caller hung up before the answer: stop calling on its behalf.
    const onClose = () => {
      if (!res.writableFinished) controller.abort();
    };
    res.once('close', onClose);
    let result: PingResult;
    let firstError: string | null;
    try {
      ({ result, firstError } = await runBatch({
        source: config.pingSource,
        targetName: request.target.name,
        url: request.url,
        count: request.count,
        auth: request.auth,
        connection: request.connection,
        token: request.token,
        client: request.client,
        samples: request.samples,
        maxSamples: config.pingMaxSamples,
        callTimeoutMs: config.pingCallTimeoutMs,
        deadlineMs: config.pingBatchDeadlineMs,
        maxBytes: config.pingMaxBatchBytes,
        signal: controller.signal,
        tokens,
      }));
    } finally {
      running.delete(controller);
      if (running.size === 0) for (const wake of idle) wake();
    }
    log({
      msg: 'batch',
      service: config.serviceName,
      target: result.target,
      url: result.url,
      auth: result.auth,
      connection: result.connection,
      client: result.client,
      count: result.countRequested,
      calls: result.calls,
      errors: result.errors.total,
      p50Ms: result.warm.p50Ms,
      durationMs: result.durationMs,
      truncated: result.truncated,
      ...(firstError ? { firstError } : {}),
      ...(controller.signal.aborted ? { aborted: true } : {}),
    });
    if (res.destroyed) return;
    if (request.format === 'text') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(redact(renderPingText(result, firstError)));
    } else {
      sendJson(res, 200, result);
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const startMs = performance.now();
    const rawUrl = req.url ?? '/';
    // Fast path for the measured target: no URL parsing for a bare /pong.
    if (rawUrl === '/pong' && req.method === 'GET' && !verifier) {
      return void answerPong(req, res, { delayMs: config.pongDefaultDelayMs, status: 200, sizeBytes: -1 }, startMs);
    }
    if (rawUrl.length > MAX_REQUEST_URL_LENGTH) return sendError(res, 414, `request URL longer than ${MAX_REQUEST_URL_LENGTH} characters`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, `${req.method ?? '?'} not allowed: only GET`, { allow: 'GET, HEAD' });
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > 0 || req.headers['transfer-encoding'] !== undefined) return sendError(res, 413, 'request bodies are not accepted');
    let url: URL;
    try {
      url = new URL(rawUrl, 'http://service.invalid');
    } catch {
      return sendError(res, 400, 'malformed request URL');
    }
    const fail = (err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `internal error: ${redactError(err)}`);
      else res.destroy();
    };
    try {
      switch (url.pathname) {
        case '/pong':
          return pong(req, res, url.searchParams, startMs);
        case '/ping':
          // A HEAD must not start a batch of outbound calls.
          if (req.method !== 'GET') return sendError(res, 405, 'HEAD not allowed on /ping: use GET', { allow: 'GET' });
          return void ping(req, res, url.searchParams).catch(fail);
        case '/healthz':
          return sendJson(res, 200, { ok: true });
        default:
          return sendError(res, 404, `no route ${url.pathname}: try /ping, /pong or /healthz`);
      }
    } catch (err) {
      fail(err);
    }
  };

  const drain = async (graceMs: number): Promise<void> => {
    if (running.size === 0) return;
    let wake: () => void = () => {};
    const allDone = new Promise<void>((resolve) => (wake = resolve));
    idle.add(wake);
    const timer = setTimeout(() => {
      for (const c of running) c.abort();
    }, graceMs);
    try {
      await allDone;
    } finally {
      clearTimeout(timer);
      idle.delete(wake);
    }
  };

  return {
    handle,
    get activeBatches() {
      return running.size;
    },
    drain,
    listening(url: string) {
      ownOrigins = listeningOrigins(url);
    },
  };
}
