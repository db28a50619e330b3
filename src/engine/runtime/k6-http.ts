// The `k6/http` module: request builders, the synchronous calls as Suspensions (see lift.ts), asyncRequest as a
// promise, k6's http_* metrics with system tags, expected statuses, and the Response object.
import { performRequest, type HopResult, type RequestSpec } from './client.ts';
import { parseDurationMs } from './duration.ts';
import { UnsupportedApiError } from './errors.ts';
import { scriptArrayBuffer } from './realm-bytes.ts';
import { Suspension } from './suspend.ts';
import type { TagSet } from './host.ts';
import type { ResponseCallbackSpec, VuState } from './vu-state.ts';

type ResponseType = 'text' | 'binary' | 'none';

interface ParsedParams {
  headers: Record<string, string>;
  tags: Record<string, string>;
  timeoutMs: number | undefined;
  responseType: ResponseType | undefined;
  /** undefined: the VU default; null: none (no expected_response tag, no http_req_failed). */
  responseCallback: ResponseCallbackSpec | null | undefined;
  redirects: number | undefined;
}

interface TemplatedUrl { readonly __s2sUrl: true; readonly url: string; readonly name: string }

const SUPPORTED_PARAMS = new Set(['headers', 'tags', 'timeout', 'responseType', 'responseCallback', 'redirects', 'cookies', 'auth']);

export function expectedStatuses(...specs: unknown[]): ResponseCallbackSpec {
  const ranges: Array<[number, number]> = specs.map((s) => {
    if (typeof s === 'number' && Number.isInteger(s)) return [s, s];
    if (typeof s === 'object' && s !== null && typeof (s as { min?: unknown }).min === 'number' && typeof (s as { max?: unknown }).max === 'number') {
      return [(s as { min: number }).min, (s as { max: number }).max];
    }
    throw new TypeError(`http.expectedStatuses(${JSON.stringify(s)}): each argument must be an integer status or {min, max}`);
  });
  return Object.freeze({ __s2sResponseCallback: true as const, accepts: (st: number) => ranges.some(([a, b]) => st >= a && st <= b) });
}

export const DEFAULT_EXPECTED = expectedStatuses({ min: 200, max: 399 });

/**
 * k6 (Go's net/url) parses more than WHATWG URL does: a URL with a scheme other than http(s), or none at all (a
 * relative reference such as "not a url"), is a request that fails with error_code 1000 "unsupported protocol
 * scheme" and still gets its metrics; only a URL that does not parse at all is 1020 without metrics. Returns the
 * scheme ('' for none) in the first case, null otherwise.
 */
function unsupportedScheme(url: string): string | null {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (!m) return '';
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme === 'http' || scheme === 'https') return null;
  try {
    new URL(url);
    return scheme;
  } catch {
    return null;
  }
}

function isCallback(v: unknown): v is ResponseCallbackSpec {
  return typeof v === 'object' && v !== null && (v as ResponseCallbackSpec).__s2sResponseCallback === true;
}

function parseParams(params: unknown): ParsedParams {
  const out: ParsedParams = { headers: {}, tags: {}, timeoutMs: undefined, responseType: undefined, responseCallback: undefined, redirects: undefined };
  if (params === undefined || params === null) return out;
  if (typeof params !== 'object') throw new TypeError('http params must be an object');
  const p = params as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (key === 'jar') throw new UnsupportedApiError('http params.jar (cookie jars)');
    if (key === 'compression') throw new UnsupportedApiError('http params.compression');
    if (!SUPPORTED_PARAMS.has(key)) throw new UnsupportedApiError(`http params.${key}`);
  }
  if (p['headers'] !== undefined) {
    for (const [k, v] of Object.entries(p['headers'] as Record<string, unknown>)) if (v !== undefined && v !== null) out.headers[k] = String(v);
  }
  if (p['tags'] !== undefined) {
    for (const [k, v] of Object.entries(p['tags'] as Record<string, unknown>)) if (v !== undefined && v !== null) out.tags[k] = String(v);
  }
  if (p['timeout'] !== undefined) {
    const ms = parseDurationMs(p['timeout']);
    if (ms === null || ms <= 0) throw new TypeError(`http params.timeout ${JSON.stringify(p['timeout'])} is invalid: use a duration like "10s" or milliseconds`);
    out.timeoutMs = ms;
  }
  if (p['responseType'] !== undefined) {
    const rt = p['responseType'];
    if (rt !== 'text' && rt !== 'binary' && rt !== 'none') throw new TypeError(`http params.responseType ${JSON.stringify(rt)} is invalid: use "text", "binary" or "none"`);
    out.responseType = rt;
  }
  if ('responseCallback' in p) {
    const cb = p['responseCallback'];
    if (cb === null) out.responseCallback = null;
    else if (isCallback(cb)) out.responseCallback = cb;
    else throw new TypeError('http params.responseCallback must be http.expectedStatuses(...) or null');
  }
  if (p['redirects'] !== undefined) {
    const r = Number(p['redirects']);
    if (!Number.isInteger(r) || r < 0) throw new TypeError(`http params.redirects ${JSON.stringify(p['redirects'])} is invalid: use a non-negative integer`);
    out.redirects = r;
  }
  if (p['cookies'] !== undefined) {
    const parts = Object.entries(p['cookies'] as Record<string, unknown>).map(([k, v]) =>
      `${k}=${typeof v === 'object' && v !== null ? String((v as { value?: unknown }).value ?? '') : String(v)}`);
    if (parts.length > 0) out.headers['Cookie'] = parts.join('; ');
  }
  if (p['auth'] !== undefined && p['auth'] !== 'basic') throw new UnsupportedApiError(`http params.auth "${String(p['auth'])}" (only basic, via user:pass@ in the URL)`);
  return out;
}

function encodeBody(body: unknown, headers: Record<string, string>): string | Uint8Array | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return body;
  if (Object.prototype.toString.call(body) === '[object ArrayBuffer]') return new Uint8Array(body as ArrayBuffer);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'object') {
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (typeof v === 'object' && v !== null && (v as { __s2sFile?: boolean }).__s2sFile) throw new UnsupportedApiError('http.file() multipart bodies');
      form.append(k, String(v));
    }
    return form.toString();
  }
  return String(body);
}

/** Per-request data the metrics and the Response need besides the wire result. */
interface Prepared { spec: RequestSpec; params: ParsedParams; name: string; bodyIn: unknown }

function urlOf(u: unknown): { url: string; name: string } {
  if (typeof u === 'object' && u !== null && (u as TemplatedUrl).__s2sUrl) return { url: (u as TemplatedUrl).url, name: (u as TemplatedUrl).name };
  const s = String(u);
  return { url: s, name: s };
}

export function createHttpModule(vu: VuState): Record<string, unknown> {
  const prepare = (method: unknown, url: unknown, body: unknown, params: unknown): Prepared => {
    const d = vu.httpDefaults();
    const pp = parseParams(params);
    const { url: u, name } = urlOf(url);
    const headers: Record<string, string> = { ...pp.headers };
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'user-agent') && d.userAgent) headers['User-Agent'] = d.userAgent;
    const encoded = encodeBody(body, headers);
    const spec: RequestSpec = {
      method: String(method).toUpperCase(),
      url: u,
      headers,
      body: encoded,
      timeoutMs: pp.timeoutMs ?? d.timeoutMs,
      responseType: pp.responseType ?? (d.discardResponseBodies ? 'none' : 'text'),
      maxRedirects: pp.redirects ?? d.maxRedirects,
      insecureSkipTLSVerify: d.insecureSkipTLSVerify,
      ...(d.noConnectionReuse ? { noConnectionReuse: true } : {}),
    };
    return { spec, params: pp, name: pp.tags['name'] ?? name, bodyIn: body };
  };

  const emitHop = (p: Prepared, hop: HopResult, isLast: boolean): void => {
    const cb = p.params.responseCallback === undefined ? vu.defaultResponseCallback : p.params.responseCallback;
    const tags: TagSet = vu.sampleTags(p.params.tags);
    tags['method'] = hop.method;
    tags['url'] = hop.url;
    tags['name'] = isLast || hop.url === p.spec.url ? p.name : hop.url;
    tags['status'] = String(hop.status);
    tags['proto'] = hop.proto || 'HTTP/1.1';
    if (hop.tlsVersion) tags['tls_version'] = hop.tlsVersion;
    if (hop.errorCode) tags['error_code'] = String(hop.errorCode);
    if (hop.error) tags['error'] = hop.error;
    let failed: number | undefined;
    if (cb) {
      const ok = hop.status > 0 && cb.accepts(hop.status);
      tags['expected_response'] = String(ok);
      failed = ok ? 0 : 1;
    }
    const t = hop.endTimeMs;
    const h = vu.host;
    h.emit('http_reqs', 1, tags, t);
    h.emit('http_req_duration', hop.timings.duration, tags, t);
    h.emit('http_req_blocked', hop.timings.blocked, tags, t);
    h.emit('http_req_connecting', hop.timings.connecting, tags, t);
    h.emit('http_req_tls_handshaking', hop.timings.tls_handshaking, tags, t);
    h.emit('http_req_sending', hop.timings.sending, tags, t);
    h.emit('http_req_waiting', hop.timings.waiting, tags, t);
    h.emit('http_req_receiving', hop.timings.receiving, tags, t);
    if (failed !== undefined) h.emit('http_req_failed', failed, tags, t);
    vu.dataSent += hop.bytesSent;
    vu.dataReceived += hop.bytesReceived;
  };

  const finish = (p: Prepared, hops: HopResult[]): Response => {
    let last = hops[hops.length - 1];
    if (!last) throw new Error(`${p.spec.method} ${p.spec.url}: no response`);
    // The test is stopping and cut this request: like k6, the iteration ends here (nothing after the call runs,
    // so a script never records a request the stop aborted as a failure of the system under test).
    if (last.error && vu.signal?.aborted) throw new Error('iteration interrupted: the test is stopping');
    if (last.errorCode === 1020) {
      const scheme = unsupportedScheme(p.spec.url);
      if (scheme !== null) {
        last = { ...last, errorCode: 1000, error: `unsupported protocol scheme "${scheme}"` };
        hops = [...hops.slice(0, -1), last];
      }
    }
    const invalidUrl = last.errorCode === 1020;
    if (!invalidUrl) hops.forEach((hop, i) => emitHop(p, hop, i === hops.length - 1));
    if (last.error && !vu.signal?.aborted) {
      vu.host.log('warning', `Request Failed error="${last.error}" url=${last.url}`);
    }
    return new Response(vu, p, last);
  };

  const checkCallable = (what: string): void => {
    if (vu.inInit) throw new Error(`http.${what}() cannot be called in the init context; call it from a VU function`);
  };

  // The synchronous API returns a Suspension: the lifted script waits for it without blocking its thread.
  const request = (method: unknown, url: unknown, body?: unknown, params?: unknown): Suspension<Response> => {
    checkCallable('request');
    const p = prepare(method, url, body, params);
    return new Suspension(performRequest(p.spec, vu.agents, vu.signal).then((hops) => finish(p, hops)));
  };

  const asyncRequest = async (method: unknown, url: unknown, body?: unknown, params?: unknown): Promise<Response> => {
    checkCallable('asyncRequest');
    const p = prepare(method, url, body, params);
    const hops = await performRequest(p.spec, vu.agents, vu.signal);
    return finish(p, hops);
  };

  const batch = (requests: unknown): unknown => {
    checkCallable('batch');
    if (typeof requests !== 'object' || requests === null) throw new TypeError('http.batch(requests): requests must be an array or an object');
    const entries: Array<[string, Prepared]> = Object.entries(requests as Record<string, unknown>).map(([key, r]) => {
      if (typeof r === 'string' || (typeof r === 'object' && r !== null && (r as TemplatedUrl).__s2sUrl)) return [key, prepare('GET', r, null, undefined)];
      if (Array.isArray(r)) return [key, prepare(r[0], r[1], r[2], r[3])];
      if (typeof r === 'object' && r !== null) {
        const o = r as Record<string, unknown>;
        return [key, prepare(o['method'] ?? 'GET', o['url'], o['body'], o['params'])];
      }
      throw new TypeError(`http.batch: request ${key} must be a URL, an array [method, url, body, params] or an object {method, url, body, params}`);
    });
    return new Suspension(Promise.all(entries.map(([, p]) => performRequest(p.spec, vu.agents, vu.signal))).then((results) => {
      const responses = entries.map(([key, p], i) => [key, finish(p, results[i] ?? [])] as const);
      if (Array.isArray(requests)) return responses.map(([, r]) => r);
      return Object.fromEntries(responses);
    }));
  };

  const verb = (method: string, hasBody: boolean) =>
    hasBody
      ? (url: unknown, body?: unknown, params?: unknown) => request(method, url, body, params)
      : (url: unknown, params?: unknown) => request(method, url, null, params);

  const mod = {
    request,
    asyncRequest,
    batch,
    get: verb('GET', false),
    head: verb('HEAD', false),
    post: verb('POST', true),
    put: verb('PUT', true),
    patch: verb('PATCH', true),
    del: verb('DELETE', true),
    options: verb('OPTIONS', true),
    expectedStatuses,
    setResponseCallback(cb: unknown): void {
      if (cb !== null && !isCallback(cb)) throw new TypeError('http.setResponseCallback(cb): cb must be http.expectedStatuses(...) or null');
      vu.defaultResponseCallback = cb;
    },
    url(strings: TemplateStringsArray, ...values: unknown[]): TemplatedUrl {
      let url = '';
      let name = '';
      strings.forEach((s, i) => {
        url += s;
        name += s;
        if (i < values.length) {
          url += String(values[i]);
          name += '${}';
        }
      });
      return Object.freeze({ __s2sUrl: true as const, url, name, toString: () => url });
    },
    file(): never { throw new UnsupportedApiError('http.file()'); },
    cookieJar(): never { throw new UnsupportedApiError('http.cookieJar()'); },
    CookieJar: function CookieJar(): never { throw new UnsupportedApiError('http.CookieJar'); },
    TLS_1_2: 'tls1.2',
    TLS_1_3: 'tls1.3',
    OCSP_STATUS_GOOD: 'good',
  };
  return { ...mod, default: mod };
}

/** k6's http.Response. */
export class Response {
  readonly status: number;
  readonly status_text: string;
  readonly proto: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | ArrayBuffer | null;
  readonly error: string;
  readonly error_code: number;
  readonly timings: HopResult['timings'];
  readonly remote_ip: string;
  readonly remote_port: number;
  readonly tls_version: string;
  readonly cookies: Record<string, unknown[]> = {};
  readonly request: { method: string; url: string; headers: Record<string, string[]>; body: unknown; cookies: Record<string, unknown[]> };
  private parsed: { ok: true; value: unknown } | undefined;

  constructor(private readonly vu: VuState, p: Prepared, hop: HopResult) {
    this.status = hop.status;
    this.status_text = hop.statusText;
    this.proto = hop.proto;
    this.url = hop.url;
    this.headers = hop.headers;
    this.error = hop.error;
    this.error_code = hop.errorCode;
    this.timings = hop.timings;
    this.remote_ip = hop.remoteIp;
    this.remote_port = hop.remotePort;
    this.tls_version = hop.tlsVersion;
    const bytes = hop.body;
    if (p.spec.responseType === 'none' || bytes === null) this.body = null;
    else if (p.spec.responseType === 'binary') this.body = scriptArrayBuffer(this.vu.jsonParse, bytes);
    else this.body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    this.request = {
      method: p.spec.method,
      url: p.spec.url,
      headers: Object.fromEntries(Object.entries(p.spec.headers).map(([k, v]) => [k, [v]])),
      body: typeof p.bodyIn === 'string' ? p.bodyIn : p.spec.body === null ? '' : String(p.spec.body),
      cookies: {},
    };
  }

  /** Parses the body as JSON; `selector` picks a value by a dotted/indexed path ("a.b.0.c", "a[0].c", "a.#" = length). */
  json(selector?: string): unknown {
    if (!this.parsed) {
      if (this.body === null) throw new Error(`Response.json(): the response of ${this.url} has no body (responseType "none"?)`);
      const text = typeof this.body === 'string' ? this.body : Buffer.from(this.body).toString('utf8');
      try {
        this.parsed = { ok: true, value: this.vu.jsonParse(text) };
      } catch (err) {
        throw new Error(`Response.json(): the body of ${this.url} is not JSON: ${(err as Error).message}`);
      }
    }
    if (selector === undefined || selector === '') return this.parsed.value;
    return selectPath(this.parsed.value, selector);
  }

  html(): never {
    throw new UnsupportedApiError('Response.html()');
  }
  submitForm(): never {
    throw new UnsupportedApiError('Response.submitForm()');
  }
  clickLink(): never {
    throw new UnsupportedApiError('Response.clickLink()');
  }
}

/** gjson-style path subset: dots, numeric indexes (also as [n]), `#` for an array's length, `\.` for a literal dot. */
export function selectPath(root: unknown, selector: string): unknown {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i]!;
    if (c === '\\' && i + 1 < selector.length) {
      cur += selector[++i];
    } else if (c === '.') {
      parts.push(cur);
      cur = '';
    } else if (c === '[') {
      const end = selector.indexOf(']', i);
      if (end < 0) { cur += c; continue; }
      if (cur !== '') parts.push(cur);
      parts.push(selector.slice(i + 1, end));
      cur = '';
      i = end;
      if (selector[i + 1] === '.') i++;
    } else cur += c;
  }
  if (cur !== '' || parts.length === 0) parts.push(cur);
  let v: unknown = root;
  for (const part of parts) {
    if (v === null || v === undefined) return undefined;
    if (Array.isArray(v)) {
      if (part === '#') { v = v.length; continue; }
      if (!/^\d+$/.test(part)) return undefined;
      v = v[Number(part)];
    } else if (typeof v === 'object') {
      v = Object.prototype.hasOwnProperty.call(v, part) ? (v as Record<string, unknown>)[part] : undefined;
    } else return undefined;
  }
  return v;
}
