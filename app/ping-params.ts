// The /ping query string: which allow-listed target to call, how many times, with which auth and
// connection mode. Everything is checked before any outbound request; a bad value is a ParamError
// (400) naming the parameter, the value and what is allowed.
import type { AuthMode, ConnectionMode } from '../src/contract/ping.ts';
import type { AppConfig, PingTarget } from './config.ts';

export type PingFormat = 'json' | 'text';

export interface PingRequest {
  target: PingTarget;
  /** The exact URL to call (the target's default path, or the `url=` given). */
  url: URL;
  count: number;
  auth: AuthMode;
  connection: ConnectionMode;
  /** raw = the lean HTTP/1.1 client (default), node = node:http (cross-check). */
  client: 'raw' | 'node';
  format: PingFormat;
  samples: boolean;
}

export class ParamError extends Error {
  override name = 'ParamError';
}

const MAX_URL_PARAM_LENGTH = 2048;
const DEFAULT_COUNT = 1000;

function oneOf<T extends string>(search: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const raw = search.get(name);
  if (raw === null) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ParamError(`${name}=${JSON.stringify(raw)} is invalid: expected one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

function parseCount(search: URLSearchParams, maxCount: number): number {
  const name = search.has('count') ? 'count' : search.has('nbcall') ? 'nbcall' : null;
  if (name === null) return Math.min(DEFAULT_COUNT, maxCount);
  const raw = search.get(name) ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > maxCount) {
    throw new ParamError(`${name}=${JSON.stringify(raw)} is invalid: expected an integer from 1 to ${maxCount} (PING_MAX_COUNT)`);
  }
  return n;
}

function parseAuth(search: URLSearchParams): AuthMode {
  if (search.has('auth')) return oneOf(search, 'auth', ['id-token', 'none', 'mesh-mtls'] as const, 'none');
  if (search.has('useGoogleClient')) {
    const v = oneOf(search, 'useGoogleClient', ['true', 'false'] as const, 'false');
    return v === 'true' ? 'id-token' : 'none';
  }
  return 'none';
}

/** Resolves `target=` or `url=` against the allow-list; never touches the network. */
function resolveTarget(search: URLSearchParams, config: AppConfig): { target: PingTarget; url: URL } {
  const names = config.pingTargets.map((t) => t.name).join(', ') || '(none: PING_TARGETS is empty)';
  const byName = search.get('target');
  const rawUrl = search.get('url');
  if (byName !== null && rawUrl !== null) throw new ParamError('give either target= or url=, not both');
  if (byName !== null) {
    const target = config.pingTargets.find((t) => t.name === byName);
    if (!target) throw new ParamError(`target=${JSON.stringify(byName)} is not allow-listed: expected one of ${names}`);
    return { target, url: new URL(target.url) };
  }
  if (rawUrl === null) throw new ParamError(`target is required: expected one of ${names} (or url= on an allow-listed origin)`);
  const shown = JSON.stringify(rawUrl.length > 200 ? `${rawUrl.slice(0, 200)}…` : rawUrl);
  if (rawUrl.length > MAX_URL_PARAM_LENGTH) throw new ParamError(`url is too long: at most ${MAX_URL_PARAM_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ParamError(`url=${shown} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ParamError(`url=${shown} is invalid: only http(s) URLs on an allow-listed origin`);
  if (url.username !== '' || url.password !== '') throw new ParamError(`url=${shown} is invalid: credentials (user@) are not allowed`);
  url.hash = '';
  const target = config.pingTargets.find((t) => t.origin === url.origin);
  if (!target) {
    const origins = config.pingTargets.map((t) => t.origin).join(', ') || '(none)';
    throw new ParamError(`url=${shown} is not on an allow-listed origin: expected one of ${origins}`);
  }
  return { target, url };
}

export function parsePingRequest(search: URLSearchParams, config: AppConfig): PingRequest {
  const count = parseCount(search, config.pingMaxCount);
  const auth = parseAuth(search);
  const connection = oneOf(search, 'connection', ['reuse', 'new'] as const, 'reuse');
  const client = oneOf(search, 'client', ['raw', 'node'] as const, 'raw');
  const format = oneOf(search, 'format', ['json', 'text'] as const, 'json');
  const samples = oneOf(search, 'samples', ['0', '1', 'true', 'false'] as const, '0');
  const { target, url } = resolveTarget(search, config);
  return { target, url, count, auth, connection, client, format, samples: samples === '1' || samples === 'true' };
}
