// A GCE metadata-server emulator for the local platform: mints RS256 ID tokens for the ping service
// account and serves its signing keys like Google does, so ping's *real* google-auth-library path
// (found through GCE_METADATA_HOST) runs locally and pong-sec verifies real signatures.
import { createHash, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { promisify } from 'node:util';
import { SignJWT, exportJWK, type JWK } from 'jose';
import forge from 'node-forge';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface MetadataEmulatorOptions {
  /** The service account the tokens are for, e.g. "ping-sa@s2s-local.iam.gserviceaccount.com". */
  email: string;
  /** Answer of /computeMetadata/v1/project/project-id. */
  projectId: string;
  /** Port to listen on (default 0: an ephemeral port). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Lifetime of a minted ID token, in seconds (default 3600, as Google's). */
  tokenLifetimeSec?: number;
  /** `Cache-Control: public, max-age=…` on the certificate endpoints, in seconds (default 3600). */
  certsMaxAgeSec?: number;
}

/** Claims a test may override when minting a token itself (expired, wrong audience, other principal…). */
export interface MintOptions {
  audience: string;
  email?: string;
  /** Issued-at, seconds since the epoch (default now). */
  iatSec?: number;
  /** Lifetime from iat, in seconds (default tokenLifetimeSec). */
  lifetimeSec?: number;
  issuer?: string;
  /** Include `email` / `email_verified` (format=full) — default true. */
  full?: boolean;
}

export interface MetadataEmulator {
  /** "127.0.0.1:PORT": the value for GCE_METADATA_HOST. */
  host: string;
  /** "http://127.0.0.1:PORT" (no trailing slash). */
  url: string;
  /** JWKS of the signing key, like https://www.googleapis.com/oauth2/v3/certs (AUTH_CERTS_URL). */
  certsUrl: string;
  /** `{kid: PEM certificate}`, like https://www.googleapis.com/oauth2/v1/certs (google-auth-library's verifier). */
  pemCertsUrl: string;
  email: string;
  projectId: string;
  /** Key id in every token header and in the JWKS. */
  kid: string;
  /** ID tokens minted through the identity endpoint so far. */
  readonly fetchCount: number;
  /** ID tokens minted so far per audience (a copy): how many cold token fetches each target's calls paid. */
  tokenRequests(): Record<string, number>;
  /** Requests to either certificate endpoint so far. */
  readonly certsFetchCount: number;
  /** All HTTP requests answered so far (any path, any status). */
  readonly requestCount: number;
  /**
   * true: stop listening and drop open connections (callers get ECONNREFUSED, like a metadata server that is
   * gone); false: listen again on the same port.
   */
  setDown(down: boolean): Promise<void>;
  /** Signs a token with the emulator's key, for tests that need unusual claims. Never log the result. */
  mintIdToken(options: MintOptions): Promise<string>;
  stop(): Promise<void>;
}

export class MetadataEmulatorError extends Error {
  override name = 'MetadataEmulatorError';
}

const FLAVOR = 'Google';
const V1 = '/computeMetadata/v1';
const ACCOUNT_ENTRIES = ['aliases', 'email', 'identity', 'scopes', 'token'];
const SCOPES = ['https://www.googleapis.com/auth/cloud-platform', 'https://www.googleapis.com/auth/userinfo.email'];
const EMAIL_SHAPE = /^[^\s@/]+@[^\s@/]+$/;
const PROJECT_SHAPE = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** A stable 21-digit numeric id for a service account, the shape of Google's `sub`/`azp`. */
function uniqueIdFor(email: string): string {
  const hex = createHash('sha256').update(email).digest('hex').slice(0, 16);
  return `1${BigInt(`0x${hex}`).toString().padStart(20, '0')}`;
}

/** A self-signed X.509 certificate around the signing key: Google's v1 endpoint serves certificates, not keys. */
function selfSignedCertPem(privatePem: string, publicPem: string, kid: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = `01${kid.slice(0, 30)}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 7 * 24 * 60 * 60 * 1000);
  const subject = [{ name: 'commonName', value: 's2s-local metadata emulator signing key' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export async function startMetadataEmulator(options: MetadataEmulatorOptions): Promise<MetadataEmulator> {
  const { email, projectId } = options;
  if (!EMAIL_SHAPE.test(email)) {
    throw new MetadataEmulatorError(`start metadata emulator: email "${email}" is not an address; pass e.g. "ping-sa@s2s-local.iam.gserviceaccount.com"`);
  }
  if (!PROJECT_SHAPE.test(projectId)) {
    throw new MetadataEmulatorError(`start metadata emulator: projectId "${projectId}" is not a Google project id (6–30 of a-z, 0-9, "-"); pass e.g. "s2s-local"`);
  }
  const tokenLifetimeSec = options.tokenLifetimeSec ?? 3600;
  const certsMaxAgeSec = options.certsMaxAgeSec ?? 3600;
  const listenHost = options.host ?? '127.0.0.1';

  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(20).toString('hex');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const jwksBody = JSON.stringify({ keys: [publicJwk] });
  const pemBody = JSON.stringify({
    [kid]: selfSignedCertPem(
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      kid,
    ),
  });
  const uniqueId = uniqueIdFor(email);

  let fetchCount = 0;
  const byAudience = new Map<string, number>();
  let certsFetchCount = 0;
  let requestCount = 0;

  async function mint(mintOptions: MintOptions, key: KeyObject = privateKey): Promise<string> {
    const iat = mintOptions.iatSec ?? Math.floor(Date.now() / 1000);
    const subject = mintOptions.email === undefined || mintOptions.email === email ? uniqueId : uniqueIdFor(mintOptions.email);
    const claims: Record<string, unknown> = { azp: subject };
    if (mintOptions.full ?? true) {
      claims.email = mintOptions.email ?? email;
      claims.email_verified = true;
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(mintOptions.issuer ?? 'https://accounts.google.com')
      .setAudience(mintOptions.audience)
      .setSubject(subject)
      .setIssuedAt(iat)
      .setExpirationTime(iat + (mintOptions.lifetimeSec ?? tokenLifetimeSec))
      .sign(key);
  }

  function send(res: ServerResponse, status: number, body: string, contentType = 'application/text', extra: Record<string, string> = {}): void {
    res.writeHead(status, {
      'Metadata-Flavor': FLAVOR,
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      Server: 'Metadata Server for VM (s2s-latency emulator)',
      'X-Content-Type-Options': 'nosniff',
      ...extra,
    });
    res.end(body);
  }

  function sendCerts(res: ServerResponse, body: string): void {
    certsFetchCount++;
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': `public, max-age=${certsMaxAgeSec}, must-revalidate, no-transform`,
      Expires: new Date(Date.now() + certsMaxAgeSec * 1000).toUTCString(),
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCount++;
    const url = new URL(req.url ?? '/', 'http://metadata.invalid');
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, `Method ${req.method ?? ''} not allowed\n`, 'text/plain', { Allow: 'GET, HEAD' });
      return;
    }
    // Google's certificate endpoints are public (no Metadata-Flavor): pong-sec fetches them like any verifier.
    if (path === '/oauth2/v3/certs') return sendCerts(res, jwksBody);
    if (path === '/oauth2/v1/certs') return sendCerts(res, pemBody);
    // The root answers without the header, as the real one does (Go's metadata.OnGCE probes it like that).
    if (path === '/') return send(res, 200, 'computeMetadata/\n');
    if (req.headers['metadata-flavor'] !== FLAVOR) {
      send(res, 403, 'Missing required header "Metadata-Flavor": "Google"\n', 'text/plain');
      return;
    }
    // The real server refuses proxied requests, so a misconfigured proxy cannot leak tokens.
    if (req.headers['x-forwarded-for'] !== undefined) {
      send(res, 403, 'Request rejected: X-Forwarded-For header present\n', 'text/plain');
      return;
    }
    if (path === '/computeMetadata' || path === '/computeMetadata/') return send(res, 200, 'v1/\n');
    if (!path.startsWith(`${V1}/`) && path !== V1) return send(res, 404, 'Not Found\n', 'text/plain');
    const key = path.slice(V1.length).replace(/^\/+/, '');
    const accountMatch = /^instance\/service-accounts\/([^/]+)(\/.*)?$/.exec(key);
    if (key === '') return send(res, 200, 'instance/\nproject/\n');
    if (key === 'project' || key === 'project/') return send(res, 200, 'numeric-project-id\nproject-id\n');
    if (key === 'project/project-id') return send(res, 200, projectId);
    if (key === 'project/numeric-project-id') return send(res, 200, uniqueId.slice(0, 12));
    if (key === 'instance' || key === 'instance/') return send(res, 200, 'service-accounts/\nzone\n');
    if (key === 'instance/zone') return send(res, 200, `projects/${uniqueId.slice(0, 12)}/zones/local-a`);
    if (key === 'instance/service-accounts' || key === 'instance/service-accounts/') return send(res, 200, `default/\n${email}/\n`);
    if (!accountMatch) return send(res, 404, 'Not Found\n', 'text/plain');
    const [, account, rest = '/'] = accountMatch;
    if (account !== 'default' && account !== email) return send(res, 404, 'Not Found\n', 'text/plain');
    switch (rest) {
      case '/':
        if (url.searchParams.get('recursive') === 'true') {
          return send(res, 200, JSON.stringify({ aliases: ['default'], email, scopes: SCOPES }), 'application/json');
        }
        return send(res, 200, `${ACCOUNT_ENTRIES.join('\n')}\n`);
      case '/email':
        return send(res, 200, email);
      case '/aliases':
        return send(res, 200, 'default\n');
      case '/scopes':
        return send(res, 200, `${SCOPES.join('\n')}\n`);
      case '/token':
        // An opaque access token: nothing local checks it, but the library may ask for one.
        return send(res, 200, JSON.stringify({ access_token: `local.${randomBytes(24).toString('base64url')}`, expires_in: tokenLifetimeSec, token_type: 'Bearer' }), 'application/json');
      case '/identity': {
        const audience = url.searchParams.get('audience');
        if (!audience) return send(res, 400, 'non-empty audience parameter required\n', 'text/plain');
        const format = url.searchParams.get('format') ?? 'standard';
        if (format !== 'standard' && format !== 'full') {
          return send(res, 400, `format must be "standard" or "full", got "${format}"\n`, 'text/plain');
        }
        // Like GCE: only format=full carries the email claim (google-auth-library asks for full).
        const token = await mint({ audience, full: format === 'full' });
        fetchCount++;
        byAudience.set(audience, (byAudience.get(audience) ?? 0) + 1);
        return send(res, 200, token);
      }
      default:
        return send(res, 404, 'Not Found\n', 'text/plain');
    }
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, `emulator error: ${(error as Error).message}\n`, 'text/plain');
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(new MetadataEmulatorError(`start metadata emulator on ${listenHost}:${port} failed: ${error.message}`, { cause: error }));
      };
      server.once('error', onError);
      server.listen(port, listenHost, () => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  function close(): Promise<void> {
    if (!server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  }

  const port = await listen(options.port ?? 0);
  const hostPort = `${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}`;
  const base = `http://${hostPort}`;
  let stopped = false;

  return {
    host: hostPort,
    url: base,
    certsUrl: `${base}/oauth2/v3/certs`,
    pemCertsUrl: `${base}/oauth2/v1/certs`,
    email,
    projectId,
    kid,
    get fetchCount() {
      return fetchCount;
    },
    tokenRequests: () => Object.fromEntries(byAudience),
    get certsFetchCount() {
      return certsFetchCount;
    },
    get requestCount() {
      return requestCount;
    },
    async setDown(down: boolean) {
      if (stopped) throw new MetadataEmulatorError('set metadata emulator down/up: it was stopped');
      if (down) await close();
      else if (!server.listening) await listen(port);
    },
    mintIdToken: (mintOptions) => mint(mintOptions),
    async stop() {
      stopped = true;
      await close();
    },
  };
}
