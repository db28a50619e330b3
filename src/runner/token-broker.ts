// Hands fresh ID tokens to the engine's VUs over loopback, for runs longer than a token's lifetime (an env
// var can only carry the token valid at start) and for batches that measure a cold first call (`fresh=1`). Listens on 127.0.0.1 port 0, answers only requests bearing
// the per-run key, knows tokens by the env var name the script already uses. Never logs a token.
import { createServer, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/** Fetches an ID token for an audience (cached and refreshed by the implementation; `fresh` skips the cache). */
export type TokenSource = (audience: string, options?: { fresh?: boolean }) => Promise<string>;

export interface TokenBroker {
  url: string;
  /** Per-run key the engine must send (X-S2S-Broker-Key); not a token, but still kept out of files. */
  key: string;
  /** Refreshed tokens served (`/token`), for tests and the run log. */
  served(): number;
  /** Fresh tokens served (`/token?fresh=1`: one per batch of a scenario that measures cold first calls). */
  servedFresh(): number;
  close(): Promise<void>;
}

export const BROKER_KEY_HEADER = 'x-s2s-broker-key';

/** `audiences` maps env var name → audience. */
export async function startTokenBroker(audiences: Readonly<Record<string, string>>, source: TokenSource): Promise<TokenBroker> {
  const key = randomBytes(24).toString('base64url');
  const keyBuf = Buffer.from(key);
  let served = 0;
  let servedFresh = 0;
  const server: Server = createServer((req, res) => {
    const given = Buffer.from(String(req.headers[BROKER_KEY_HEADER] ?? ''));
    if (given.length !== keyBuf.length || !timingSafeEqual(given, keyBuf)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('bad broker key');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const env = url.searchParams.get('env') ?? '';
    const audience = url.pathname === '/token' ? audiences[env] : undefined;
    if (audience === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no token known as ${env.slice(0, 64)}`);
      return;
    }
    const fresh = url.searchParams.get('fresh') === '1';
    source(audience, { fresh }).then(
      (token) => {
        if (fresh) servedFresh++;
        else served++;
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(token);
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`token for ${audience} failed: ${message.replace(/eyJ[A-Za-z0-9_.-]+/g, '<redacted>')}`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    served: () => served,
    servedFresh: () => servedFresh,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
