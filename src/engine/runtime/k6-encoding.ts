// The `k6/encoding` module: base64 in k6's four alphabets (std, rawstd, url, rawurl).

type B64Kind = 'std' | 'rawstd' | 'url' | 'rawurl';

function toBuffer(input: unknown): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof ArrayBuffer || Object.prototype.toString.call(input) === '[object ArrayBuffer]') return Buffer.from(input as ArrayBuffer);
  if (ArrayBuffer.isView(input)) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('b64encode(input): input must be a string or an ArrayBuffer');
}

function kindOf(encoding: unknown): B64Kind {
  const e = encoding === undefined || encoding === '' ? 'std' : String(encoding);
  if (e === 'std' || e === 'rawstd' || e === 'url' || e === 'rawurl') return e;
  throw new TypeError(`base64 encoding "${e}" is invalid: use std, rawstd, url or rawurl`);
}

export function b64encode(input: unknown, encoding?: unknown): string {
  const kind = kindOf(encoding);
  const buf = toBuffer(input);
  let s = buf.toString(kind === 'url' || kind === 'rawurl' ? 'base64url' : 'base64');
  if (kind === 'url') s += '='.repeat((4 - (s.length % 4)) % 4);
  if (kind === 'rawstd') s = s.replace(/=+$/, '');
  return s;
}

export function b64decode(input: unknown, encoding?: unknown, format?: unknown): ArrayBuffer | string {
  const kind = kindOf(encoding);
  const s = String(input);
  const buf = Buffer.from(s, kind === 'url' || kind === 'rawurl' ? 'base64url' : 'base64');
  if (format === 's') return buf.toString('utf8');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

export function createEncodingModule(): Record<string, unknown> {
  const mod = { b64encode, b64decode };
  return { ...mod, default: mod };
}
