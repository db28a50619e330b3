// The /ping query string: which allow-listed target to call, how many times, with which auth and
// connection mode. Everything is checked before any outbound request; a bad value is a ParamError
// (400) naming the parameter, the value and what is allowed. Strict on purpose: an unknown name, a
// repeated one, or two spellings of one setting that disagree are refused, never "first one wins".
import type { AuthMode, ConnectionMode, TokenMode } from '../src/contract/ping.ts';
import type { AppConfig, PingTarget } from './config.ts';

export type PingFormat = 'json' | 'text';

export interface PingRequest {
  target: PingTarget;
  /** The exact URL to call (the target's default path, or the `url=` given). */
  url: URL;
  count: number;
  auth: AuthMode;
  connection: ConnectionMode;
  /** fresh = the first call of the batch fetches a new ID token (cold first call); cached = reuse one. */
  token: TokenMode;
  /** raw = the lean HTTP/1.1 client (default), node = node:http (cross-check). */
  client: 'raw' | 'node';
  format: PingFormat;
  samples: boolean;
}

export class ParamError extends Error {
  override name = 'ParamError';
}

/** Every name /ping understands (app/README.md documents each); anything else is a 400. */
export const PING_PARAMS = ['target', 'url', 'count', 'nbcall', 'auth', 'useGoogleClient', 'connection', 'token', 'client', 'format', 'samples'] as const;

const MAX_URL_PARAM_LENGTH = 2048;
const DEFAULT_COUNT = 1000;
/** pong's default body, "pong\n": what a call moves when the URL does not ask pong for a size. */
const DEFAULT_BODY_BYTES = 5;

/** How a name or value is shown in an error: quoted, and short (the request URL may be 4 KiB). */
function shown(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** Refuses unknown and repeated names before any value is looked at. */
function checkNames(search: URLSearchParams): void {
  const known = new Set<string>(PING_PARAMS);
  const seen = new Set<string>();
  for (const name of search.keys()) {
    if (!known.has(name)) {
      throw new ParamError(
        `unknown parameter ${shown(name)}: expected one of ${PING_PARAMS.join(', ')} (a knob for the target such as delay_ms or size goes inside url=, percent-encoded)`,
      );
    }
    if (seen.has(name)) throw new ParamError(`parameter ${name} is repeated: give it once`);
    seen.add(name);
  }
}

function oneOf<T extends string>(search: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const raw = search.get(name);
  if (raw === null) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ParamError(`${name}=${shown(raw)} is invalid: expected one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

function countOf(search: URLSearchParams, name: 'count' | 'nbcall', maxCount: number): number | null {
  const raw = search.get(name);
  if (raw === null) return null;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > maxCount) {
    throw new ParamError(`${name}=${shown(raw)} is invalid: expected an integer from 1 to ${maxCount} (PING_MAX_COUNT)`);
  }
  return n;
}

function parseCount(search: URLSearchParams, maxCount: number): number {
  const count = countOf(search, 'count', maxCount);
  const nbcall = countOf(search, 'nbcall', maxCount);
  if (count !== null && nbcall !== null && count !== nbcall) {
    throw new ParamError(`count=${count} and nbcall=${nbcall} disagree: they are two spellings of one setting, give one`);
  }
  return count ?? nbcall ?? Math.min(DEFAULT_COUNT, maxCount);
}

function parseAuth(search: URLSearchParams): AuthMode {
  const auth = search.has('auth') ? oneOf(search, 'auth', ['id-token', 'none', 'mesh-mtls'] as const, 'none') : null;
  const google = search.has('useGoogleClient') ? oneOf(search, 'useGoogleClient', ['true', 'false'] as const, 'false') : null;
  const fromGoogle: AuthMode | null = google === null ? null : google === 'true' ? 'id-token' : 'none';
  if (auth !== null && fromGoogle !== null && auth !== fromGoogle) {
    throw new ParamError(`auth=${auth} and useGoogleClient=${google} disagree: useGoogleClient=true means auth=id-token, false means auth=none; give one`);
  }
  return auth ?? fromGoogle ?? 'none';
}

/** Resolves `target=` or `url=` against the allow-list; never touches the network. */
function resolveTarget(search: URLSearchParams, config: AppConfig): { target: PingTarget; url: URL } {
  const names = config.pingTargets.map((t) => t.name).join(', ') || '(none: PING_TARGETS is empty)';
  const byName = search.get('target');
  const rawUrl = search.get('url');
  if (byName !== null && rawUrl !== null) throw new ParamError('give either target= or url=, not both');
  if (byName !== null) {
    const target = config.pingTargets.find((t) => t.name === byName);
    if (!target) throw new ParamError(`target=${shown(byName)} is not allow-listed: expected one of ${names}`);
    return { target, url: new URL(target.url) };
  }
  if (rawUrl === null) throw new ParamError(`target is required: expected one of ${names} (or url= on an allow-listed origin)`);
  if (rawUrl.length > MAX_URL_PARAM_LENGTH) throw new ParamError(`url is too long: at most ${MAX_URL_PARAM_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ParamError(`url=${shown(rawUrl)} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ParamError(`url=${shown(rawUrl)} is invalid: only http(s) URLs on an allow-listed origin`);
  if (url.username !== '' || url.password !== '') throw new ParamError(`url=${shown(rawUrl)} is invalid: credentials (user@) are not allowed`);
  url.hash = '';
  const target = config.pingTargets.find((t) => t.origin === url.origin);
  if (!target) {
    const origins = config.pingTargets.map((t) => t.origin).join(', ') || '(none)';
    throw new ParamError(`url=${shown(rawUrl)} is not on an allow-listed origin: expected one of ${origins}`);
  }
  return { target, url };
}

/** Body bytes one call asks pong for: its `size=` knob (the largest, if repeated), else pong's default body. */
export function bodyBytesPerCall(url: URL): number {
  let bytes = DEFAULT_BODY_BYTES;
  for (const raw of url.searchParams.getAll('size')) {
    const n = Number(raw);
    if (Number.isFinite(n) && n > bytes) bytes = n;
  }
  return bytes;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}

/** One request must not make ping pull unbounded data from a target (count × size is asked up front). */
function checkBatchBytes(url: URL, count: number, maxBytes: number): void {
  const perCall = bodyBytesPerCall(url);
  const total = perCall * count;
  if (total > maxBytes) {
    throw new ParamError(
      `count × size = ${count} × ${perCall} bytes (${mib(total)}) is over PING_MAX_BATCH_BYTES=${maxBytes} (${mib(maxBytes)}), the response bytes one batch may move: lower count or size`,
    );
  }
}

export function parsePingRequest(search: URLSearchParams, config: AppConfig): PingRequest {
  checkNames(search);
  const count = parseCount(search, config.pingMaxCount);
  const auth = parseAuth(search);
  const connection = oneOf(search, 'connection', ['reuse', 'new'] as const, 'reuse');
  const token = oneOf(search, 'token', ['cached', 'fresh'] as const, 'cached');
  const client = oneOf(search, 'client', ['raw', 'node'] as const, 'raw');
  const format = oneOf(search, 'format', ['json', 'text'] as const, 'json');
  const samples = oneOf(search, 'samples', ['0', '1', 'true', 'false'] as const, '0');
  const { target, url } = resolveTarget(search, config);
  checkBatchBytes(url, count, config.pingMaxBatchBytes);
  return { target, url, count, auth, connection, token, client, format, samples: samples === '1' || samples === 'true' };
}
