// pong-sec's invoker check, like Cloud Run's: a Bearer ID token must carry a valid RS256 signature
// from AUTH_CERTS_URL's keys, an accepted audience and issuer, an unexpired `exp`, and an `email`
// in AUTH_ALLOWED_PRINCIPALS. jose verifies (JWK keys as Google's v3 endpoint serves them, typed
// errors that never embed the token); the key set is cached for the endpoint's Cache-Control max-age.
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from 'jose';
import { redactError } from '../src/auth/redact.ts';

export type Verdict = { ok: true; email: string } | { ok: false; status: 401 | 403; reason: string };

export interface TokenVerifierOptions {
  certsUrl: string;
  issuers: string[];
  allowedPrincipals: string[];
  /** Used when the certs response has no max-age (and as a floor between unknown-kid refetches). */
  minRefetchMs?: number;
  fetchTimeoutMs?: number;
}

/** Key set fetched from the certs URL, cached for its Cache-Control max-age. */
class KeySetCache {
  private keys: ReturnType<typeof createLocalJWKSet> | null = null;
  private expiresAtMs = 0;
  private fetchedAtMs = 0;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly url: string,
    private readonly minRefetchMs: number,
    private readonly timeoutMs: number,
  ) {}

  async current(): Promise<ReturnType<typeof createLocalJWKSet>> {
    if (!this.keys || Date.now() >= this.expiresAtMs) await this.refresh();
    if (!this.keys) throw new Error(`no keys from ${this.url}`);
    return this.keys;
  }

  /** Re-fetches after a key the cache does not know (rotation), at most once per minRefetchMs. */
  async refreshForUnknownKey(): Promise<boolean> {
    if (Date.now() - this.fetchedAtMs < this.minRefetchMs) return false;
    await this.refresh();
    return true;
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    const res = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    if (!res.ok) throw new Error(`GET ${this.url} failed: ${res.status}`);
    const body = (await res.json()) as JSONWebKeySet;
    if (!body || !Array.isArray(body.keys)) throw new Error(`GET ${this.url} returned no "keys" array`);
    const maxAge = /max-age=(\d+)/i.exec(res.headers.get('cache-control') ?? '')?.[1];
    const now = Date.now();
    this.keys = createLocalJWKSet(body);
    this.fetchedAtMs = now;
    this.expiresAtMs = now + (maxAge !== undefined ? Number(maxAge) * 1000 : this.minRefetchMs);
  }
}

/** A verified token's claims we keep, so a keep-alive batch does not pay an RSA verify per call. */
interface Verified {
  email: string;
  expMs: number;
}

const VERIFIED_CACHE_MAX = 256;

export class TokenVerifier {
  private readonly keys: KeySetCache;
  private readonly allowed: Set<string>;
  private readonly verified = new Map<string, Verified>();

  constructor(private readonly options: TokenVerifierOptions) {
    this.keys = new KeySetCache(options.certsUrl, options.minRefetchMs ?? 60_000, options.fetchTimeoutMs ?? 5_000);
    this.allowed = new Set(options.allowedPrincipals.map((p) => p.toLowerCase()));
  }

  /** Checks an Authorization header value for the given accepted audiences. */
  async check(authorization: string | undefined, audiences: string[]): Promise<Verdict> {
    if (!authorization) return { ok: false, status: 401, reason: 'missing Authorization: Bearer <ID token>' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m?.[1]) return { ok: false, status: 401, reason: 'Authorization is not "Bearer <ID token>"' };
    const token = m[1];
    const cacheKey = `${audiences.join(' ')}\n${token}`;
    const hit = this.verified.get(cacheKey);
    if (hit) {
      if (Date.now() < hit.expMs) return { ok: true, email: hit.email };
      this.verified.delete(cacheKey);
      return { ok: false, status: 403, reason: 'token expired' };
    }
    let verdict: Verdict;
    let expMs = 0;
    try {
      const payload = await this.verify(token, audiences);
      const email = typeof payload.email === 'string' ? payload.email : '';
      expMs = (payload.exp ?? 0) * 1000;
      if (!email) verdict = { ok: false, status: 403, reason: 'token has no email claim' };
      else if (payload.email_verified === false) verdict = { ok: false, status: 403, reason: 'token email is not verified' };
      else if (!this.allowed.has(email.toLowerCase())) verdict = { ok: false, status: 403, reason: `principal ${email} is not allowed` };
      else verdict = { ok: true, email };
    } catch (err) {
      return { ok: false, status: 403, reason: describe(err) };
    }
    if (verdict.ok) {
      if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.clear();
      this.verified.set(cacheKey, { email: verdict.email, expMs });
    }
    return verdict;
  }

  private async verify(token: string, audiences: string[]) {
    const opts = { issuer: this.options.issuers, audience: audiences, algorithms: ['RS256'], requiredClaims: ['exp', 'iat'] };
    try {
      return (await jwtVerify(token, await this.keys.current(), opts)).payload;
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey && (await this.keys.refreshForUnknownKey())) {
        return (await jwtVerify(token, await this.keys.current(), opts)).payload;
      }
      throw err;
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'wrong audience';
    if (err.claim === 'iss') return 'wrong issuer';
    return `invalid claim ${err.claim}`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'signed by an unknown key';
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'malformed token';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed (RS256 only)';
  return `cannot verify token: ${redactError(err)}`;
}
