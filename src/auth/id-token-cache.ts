// ID tokens for service-to-service calls, fetched through google-auth-library's ID-token client
// (metadata server on GCE/Cloud Run/GKE, the local emulator via GCE_METADATA_HOST), one client per
// audience, cached until shortly before expiry, with concurrent first requests sharing one fetch.
import { GoogleAuth } from 'google-auth-library';
import { redactError } from './redact.ts';

/** What fetches a token for an audience: google-auth-library's IdTokenClient.idTokenProvider. */
export interface IdTokenProvider {
  fetchIdToken(audience: string): Promise<string>;
}

export class IdTokenError extends Error {
  override name = 'IdTokenError';
}

export interface IdTokenCacheOptions {
  /** Makes the provider for one audience (default: GoogleAuth#getIdTokenClient). */
  providerFor?: (audience: string) => Promise<IdTokenProvider>;
  /** Refresh this long before `exp` at most (default 5 min; less for short-lived tokens). */
  refreshMarginMs?: number;
  /** Clock, ms since the epoch (tests). */
  nowMs?: () => number;
}

interface Entry {
  token: string;
  /** When to fetch a new one, ms since the epoch. */
  refreshAtMs: number;
}

/** Decodes `exp`/`iat` without verifying: we only need to know when to refresh our own token. */
function decodeTimes(token: string): { expMs: number; iatMs: number | null } | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown; iat?: unknown };
    if (typeof claims.exp !== 'number') return null;
    return { expMs: claims.exp * 1000, iatMs: typeof claims.iat === 'number' ? claims.iat * 1000 : null };
  } catch {
    return null;
  }
}

let sharedAuth: GoogleAuth | undefined;

async function googleProviderFor(audience: string): Promise<IdTokenProvider> {
  sharedAuth ??= new GoogleAuth();
  const client = await sharedAuth.getIdTokenClient(audience);
  return client.idTokenProvider;
}

export class IdTokenCache {
  private readonly providerFor: (audience: string) => Promise<IdTokenProvider>;
  private readonly refreshMarginMs: number;
  private readonly nowMs: () => number;
  private readonly providers = new Map<string, Promise<IdTokenProvider>>();
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(options: IdTokenCacheOptions = {}) {
    this.providerFor = options.providerFor ?? googleProviderFor;
    this.refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** A cached token that is still fresh, without waiting (the hot path of a batch). */
  peek(audience: string): string | undefined {
    const entry = this.entries.get(audience);
    return entry && this.nowMs() < entry.refreshAtMs ? entry.token : undefined;
  }

  /** A fresh token for `audience` (an origin such as https://pong-sec-….run.app). Never logs it. */
  get(audience: string): Promise<string> {
    const cached = this.peek(audience);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.inFlight.get(audience);
    if (!pending) {
      pending = this.fetch(audience).finally(() => this.inFlight.delete(audience));
      this.inFlight.set(audience, pending);
    }
    return pending;
  }

  /**
   * A token fetched now, never the cached one and never shared with a concurrent caller: what a batch
   * that measures the cold first call (`/ping?token=fresh`) must pay. It then becomes the cached token.
   */
  fresh(audience: string): Promise<string> {
    return this.fetch(audience);
  }

  /** Forgets every cached token (the clients stay). */
  clear(): void {
    this.entries.clear();
  }

  private async fetch(audience: string): Promise<string> {
    let token: string;
    try {
      let provider = this.providers.get(audience);
      if (!provider) {
        provider = this.providerFor(audience);
        this.providers.set(audience, provider);
        // A failed client creation (no credentials yet) must not stick forever.
        provider.catch(() => this.providers.delete(audience));
      }
      token = await (await provider).fetchIdToken(audience);
    } catch (err) {
      throw new IdTokenError(`fetching an ID token for audience ${audience} failed: ${redactError(err)}`, { cause: err });
    }
    const times = decodeTimes(token);
    const now = this.nowMs();
    // Unknown expiry: use the token for this batch only (refresh at once next time).
    let refreshAtMs = now;
    if (times) {
      const lifetimeMs = times.expMs - (times.iatMs ?? now);
      const marginMs = Math.min(this.refreshMarginMs, Math.max(0, lifetimeMs / 4));
      refreshAtMs = times.expMs - marginMs;
    }
    this.entries.set(audience, { token, refreshAtMs });
    return token;
  }
}

/** The cache shared by everything in one process (ping batches, the runner). */
export const idTokenCache = new IdTokenCache();
