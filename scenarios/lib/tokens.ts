// Bearer tokens for the hops the VU makes itself (a private ping, a private direct target). The runner puts
// them in env vars (never in files or argv); for runs longer than a token's lifetime it also serves fresh
// ones on loopback (the token broker), fetched here shortly before the current one expires. A batch that
// measures a cold first call asks the broker for a token minted now (`freshToken`), and times it.
// Async (http.asyncRequest) like every scenario call: see ping.ts for why.
import http from 'k6/http';
import encoding from 'k6/encoding';
import type { TokenBrokerConfig } from './config.ts';

interface Cached {
  token: string;
  /** Seconds since epoch, or null when the token carries no readable exp. */
  expSec: number | null;
  /** No broker call before this time, ms since epoch: the broker may still hold the same token for a moment. */
  nextAttemptMs: number;
}

/** Pause between two broker calls for the same token, ms. */
const BROKER_RETRY_MS = 5000;

const cache: Record<string, Cached> = {};

function expiryOf(token: string): number | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const claims = JSON.parse(encoding.b64decode(payload, 'rawurl', 's')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : null;
  } catch {
    return null;
  }
}

function brokerGet(broker: TokenBrokerConfig, envName: string, fresh: boolean) {
  return http.asyncRequest('GET', `${broker.url}/token?env=${encodeURIComponent(envName)}${fresh ? '&fresh=1' : ''}`, null, {
    headers: { 'X-S2S-Broker-Key': __ENV[broker.keyEnv] ?? '' },
    tags: { name: 's2s-token-broker' },
    responseType: 'text',
  });
}

/** The current token held in `envName`, refreshed through the broker when it is about to expire. */
export async function bearer(envName: string, broker: TokenBrokerConfig | null): Promise<string> {
  let entry = cache[envName];
  if (entry === undefined) {
    const token = __ENV[envName];
    if (token === undefined || token === '') {
      throw new Error(`token env var ${envName} is empty: run through npm run scenario:<platform>, which fetches the ID token.`);
    }
    entry = { token, expSec: expiryOf(token), nextAttemptMs: 0 };
    cache[envName] = entry;
  }
  const nowMs = Date.now();
  if (broker && entry.expSec !== null && nowMs >= entry.nextAttemptMs && nowMs / 1000 > entry.expSec - broker.refreshBeforeExpirySec) {
    entry.nextAttemptMs = nowMs + BROKER_RETRY_MS;
    const res = await brokerGet(broker, envName, false);
    if (res.status === 200 && typeof res.body === 'string' && res.body.length > 0) {
      entry = { token: res.body, expSec: expiryOf(res.body), nextAttemptMs: nowMs + BROKER_RETRY_MS };
      cache[envName] = entry;
    } else {
      console.warn(`token broker refresh for ${envName} failed (status ${res.status}); keeping the current token`);
    }
  }
  return entry.token;
}

/** A token minted for this call (the cold first call of a batch pays its fetch) and how long it took, ms. */
export async function freshToken(envName: string, broker: TokenBrokerConfig | null): Promise<{ token: string; ms: number; fetched: boolean }> {
  if (broker) {
    const res = await brokerGet(broker, envName, true);
    if (res.status === 200 && typeof res.body === 'string' && res.body.length > 0) {
      const t = res.timings;
      const ms = t.blocked + t.connecting + t.tls_handshaking + t.duration;
      // bearer() keeps its own refresh rule for the calls after this one (a batch longer than a token's life).
      cache[envName] = { token: res.body, expSec: expiryOf(res.body), nextAttemptMs: 0 };
      return { token: res.body, ms, fetched: true };
    }
    console.warn(`token broker: no fresh token for ${envName} (status ${res.status}); this batch's first call uses the cached one`);
  }
  return { token: await bearer(envName, broker), ms: 0, fetched: false };
}
