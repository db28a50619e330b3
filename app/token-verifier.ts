// pong-sec's invoker check, like Cloud Run's: a Bearer ID token must carry a valid RS256 signature
// from AUTH_CERTS_URL's keys, one accepted audience, an accepted issuer, time claims within
// google-auth-library's verifier rules (300 s skew, at most 86,400 s of lifetime) and a verified
// `email` in AUTH_ALLOWED_PRINCIPALS. jose verifies (JWK keys as Google's v3 endpoint serves them,
// typed errors that never embed the token); the key set is cached for the endpoint's max-age.
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
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

/** google-auth-library's OAuth2Client.CLOCK_SKEW_SECS_: how far `iat`, `nbf` and `exp` may be off, s. */
export const CLOCK_SKEW_SEC = 300;
/** google-auth-library's DEFAULT_MAX_TOKEN_LIFETIME_SECS_: the longest `exp − iat` (and `exp − now`), s. */
export const MAX_TOKEN_LIFETIME_SEC = 86_400;

/** A claim that passed jose's checks but not google-auth-library's stricter ones. */
class ClaimRefused extends Error {}

/**
 * What jose does not check and google-auth-library does: a lifetime of at most a day, `exp` no further ahead
 * than that, one audience string (Google's verifier compares `aud` with ===, so an array never matches),
 * and boolean `email_verified` that is true.
 */
function checkGoogleRules(payload: JWTPayload, nowSec: number): string | null {
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') return 'token needs numeric iat and exp claims';
  if (exp - iat > MAX_TOKEN_LIFETIME_SEC) return `token lifetime exp - iat = ${exp - iat} s is longer than ${MAX_TOKEN_LIFETIME_SEC} s`;
  if (exp >= nowSec + MAX_TOKEN_LIFETIME_SEC) return `token exp is more than ${MAX_TOKEN_LIFETIME_SEC} s ahead`;
  if (typeof payload.aud !== 'string') return 'token aud must be one string';
  if (typeof payload.email !== 'string' || payload.email === '') return 'token has no email claim';
  if (payload.email_verified === undefined) return 'token has no email_verified claim';
  if (typeof payload.email_verified !== 'boolean') return `token email_verified must be a boolean, not ${JSON.stringify(payload.email_verified).slice(0, 40)}`;
  if (!payload.email_verified) return 'token email is not verified';
  return null;
}

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
    // A cached verdict lasts until exp; after that the token is checked again (skew included) from scratch.
    if (hit && Date.now() < hit.expMs) return { ok: true, email: hit.email };
    if (hit) this.verified.delete(cacheKey);
    let verdict: Verdict;
    let expMs = 0;
    try {
      const payload = await this.verify(token, audiences);
      const refused = checkGoogleRules(payload, Date.now() / 1000);
      if (refused !== null) throw new ClaimRefused(refused);
      const email = payload.email as string;
      expMs = (payload.exp as number) * 1000;
      if (!this.allowed.has(email.toLowerCase())) verdict = { ok: false, status: 403, reason: `principal ${email} is not allowed` };
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
    // maxTokenAge makes jose refuse an iat more than the skew in the future (and older than a day).
    const opts = {
      issuer: this.options.issuers,
      audience: audiences,
      algorithms: ['RS256'],
      requiredClaims: ['exp', 'iat'],
      clockTolerance: CLOCK_SKEW_SEC,
      maxTokenAge: MAX_TOKEN_LIFETIME_SEC,
    };
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
  if (err instanceof ClaimRefused) return err.message;
  if (err instanceof joseErrors.JWTExpired) return err.claim === 'iat' ? 'token issued too long ago' : 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'wrong audience';
    if (err.claim === 'iss') return 'wrong issuer';
    if (err.claim === 'iat' && err.reason === 'check_failed') return `token used too early: iat is more than ${CLOCK_SKEW_SEC} s in the future`;
    if (err.claim === 'nbf') return `token used too early: nbf is more than ${CLOCK_SKEW_SEC} s in the future`;
    return `invalid claim ${err.claim}`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'signed by an unknown key';
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'malformed token';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed (RS256 only)';
  return `cannot verify token: ${redactError(err)}`;
}
