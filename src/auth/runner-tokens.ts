// The runner's own ID tokens, for private services it calls itself (a private ping, the `direct` scenario):
// google-auth-library first (service-account keys, metadata server, the local emulator), and when the
// credentials cannot mint ID tokens (a developer's user login), `gcloud auth print-identity-token`.
// Cached per audience with in-flight sharing and refresh before expiry (src/auth/id-token-cache.ts).
import { execFile } from 'node:child_process';
import { GoogleAuth, UserRefreshClient } from 'google-auth-library';
import { IdTokenCache, type IdTokenProvider } from './id-token-cache.ts';
import { redact, redactError } from './redact.ts';

export type TokenSource = 'google-auth-library' | 'gcloud';

export interface RunnerTokensOptions {
  /** Impersonate this service account through gcloud (`--impersonate-service-account`), audience-bound. */
  impersonateServiceAccount?: string;
  /** The gcloud executable (default "gcloud" on PATH). */
  gcloud?: string;
  /** Environment for gcloud (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where the one-line notices go (default stderr). Never receives a token. */
  notice?: (line: string) => void;
  /** Longest a gcloud call may take, ms (default 60000: the first call may refresh credentials). */
  gcloudTimeoutMs?: number;
  /** The google-auth-library entry point (default a new GoogleAuth reading ADC). */
  auth?: GoogleAuth;
  /** Clock for the cache, ms since the epoch (tests). */
  nowMs?: () => number;
}

export class RunnerTokenError extends Error {
  override name = 'RunnerTokenError';
}

/** google-auth-library's words for "these credentials exist but cannot mint ID tokens" or "there are none". */
const CANNOT_MINT = [/Cannot fetch ID token in this environment/i, /Could not load the default credentials/i];

interface GcloudAccount {
  account: string | null;
  impersonate: string | null;
}

/** The audience Cloud Run expects: the service URL's origin (scheme://host[:port]). */
export function audienceFor(serviceUrl: string): string {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    throw new RunnerTokenError(`ID token audience: "${serviceUrl}" is not an absolute URL; pass the service URL, e.g. https://pong-sec-abc-uc.a.run.app`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RunnerTokenError(`ID token audience: "${serviceUrl}" is not http(s); pass the service URL`);
  }
  return url.origin;
}

export class RunnerTokens {
  private readonly options: RunnerTokensOptions;
  private readonly cache: IdTokenCache;
  private readonly auth: GoogleAuth;
  private mode: TokenSource | null = null;
  private gcloudAccount: Promise<GcloudAccount> | null = null;

  constructor(options: RunnerTokensOptions = {}) {
    this.options = options;
    this.auth = options.auth ?? new GoogleAuth();
    if (options.impersonateServiceAccount !== undefined && !/^[^\s@]+@[^\s@]+$/.test(options.impersonateServiceAccount)) {
      throw new RunnerTokenError(`impersonate service account: "${options.impersonateServiceAccount}" is not an email; pass e.g. ping-sa@PROJECT.iam.gserviceaccount.com`);
    }
    this.cache = new IdTokenCache({ providerFor: (audience) => this.providerFor(audience), nowMs: options.nowMs });
  }

  /** Where tokens come from, once the first one was fetched. */
  get source(): TokenSource | null {
    return this.mode;
  }

  /** An ID token whose audience is the service URL's origin; `fresh` skips the cache (a cold first call). Never log it. */
  async get(serviceUrl: string, options: { fresh?: boolean } = {}): Promise<string> {
    const audience = audienceFor(serviceUrl);
    try {
      return await (options.fresh ? this.cache.fresh(audience) : this.cache.get(audience));
    } catch (error) {
      if (error instanceof RunnerTokenError) throw error;
      // The cache's IdTokenError keeps the real cause (e.g. our gcloud error) readable; redact once more anyway.
      const cause = (error as Error).cause;
      if (cause instanceof RunnerTokenError) throw new RunnerTokenError(redact(cause.message), { cause });
      throw new RunnerTokenError(redactError(error), { cause: error });
    }
  }

  private say(line: string): void {
    (this.options.notice ?? ((text: string) => void process.stderr.write(`${text}\n`)))(redact(line));
  }

  private async providerFor(audience: string): Promise<IdTokenProvider> {
    if (this.options.impersonateServiceAccount !== undefined) {
      if (this.mode === null) this.say(`ID tokens: impersonating ${this.options.impersonateServiceAccount} through \`gcloud auth print-identity-token\`.`);
      this.mode = 'gcloud';
      return this.gcloudProvider();
    }
    if (this.mode === 'gcloud') return this.gcloudProvider();
    let reason: string;
    try {
      // A user login as ADC (`gcloud auth application-default login`) does fetch "ID tokens", but their
      // audience is the OAuth client, not the service: treat it as unable to mint and ask gcloud.
      if ((await this.auth.getClient()) instanceof UserRefreshClient) {
        reason = 'they are user credentials, whose ID tokens are not bound to the service URL';
      } else {
        const client = await this.auth.getIdTokenClient(audience);
        this.mode = 'google-auth-library';
        return client.idTokenProvider;
      }
    } catch (error) {
      reason = redactError(error);
      if (!CANNOT_MINT.some((pattern) => pattern.test(reason))) throw error;
      reason = reason.split('. ')[0] ?? reason;
    }
    this.mode = 'gcloud';
    this.say(`ID tokens: google-auth-library cannot mint ID tokens with these credentials (${reason}); using \`gcloud auth print-identity-token\` instead.`);
    return this.gcloudProvider();
  }

  private gcloudProvider(): IdTokenProvider {
    return { fetchIdToken: (audience) => this.gcloudToken(audience) };
  }

  private async gcloudToken(audience: string): Promise<string> {
    const args = ['auth', 'print-identity-token'];
    const impersonate = this.options.impersonateServiceAccount ?? (await this.account()).impersonate;
    if (impersonate) {
      // Impersonated tokens can be audience-bound and carry the email (pong-sec checks it).
      args.push(`--impersonate-service-account=${impersonate}`, `--audiences=${audience}`, '--include-email');
    } else {
      const { account } = await this.account();
      // --audiences is refused for user accounts (their token's audience is gcloud's own client id,
      // which Cloud Run accepts from a user holding roles/run.invoker); service accounts can bind it.
      if (account?.endsWith('.gserviceaccount.com')) args.push(`--audiences=${audience}`);
    }
    const token = (await this.runGcloud(args)).trim();
    if (!/^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
      throw new RunnerTokenError(`gcloud ${args.slice(0, 2).join(' ')} printed no ID token; run \`gcloud auth login\` (or activate a service account) and retry`);
    }
    return token;
  }

  /** The active gcloud account and impersonation setting, asked once. */
  private account(): Promise<GcloudAccount> {
    this.gcloudAccount ??= this.runGcloud(['config', 'list', '--format=json']).then((out) => {
      try {
        const config = JSON.parse(out) as { core?: { account?: unknown }; auth?: { impersonate_service_account?: unknown } };
        const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
        return { account: text(config.core?.account), impersonate: text(config.auth?.impersonate_service_account) };
      } catch {
        return { account: null, impersonate: null };
      }
    });
    return this.gcloudAccount;
  }

  private runGcloud(args: string[]): Promise<string> {
    const gcloud = this.options.gcloud ?? 'gcloud';
    const shown = `${gcloud} ${args.join(' ')}`;
    return new Promise((resolve, reject) => {
      execFile(
        gcloud,
        args,
        { env: this.options.env ?? process.env, timeout: this.options.gcloudTimeoutMs ?? 60_000, maxBuffer: 1024 * 1024, windowsHide: true },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            return reject(
              new RunnerTokenError(
                `no credentials can mint ID tokens: google-auth-library cannot, and ${gcloud} is not on PATH. Install the Google Cloud CLI and run \`gcloud auth login\`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file`,
              ),
            );
          }
          const lastLine = redact(stderr.trim().split('\n').filter(Boolean).pop() ?? '');
          const how = error.killed ? `timed out after ${this.options.gcloudTimeoutMs ?? 60_000} ms` : `exit ${typeof code === 'number' ? code : (error as { code?: unknown }).code ?? '?'}`;
          reject(new RunnerTokenError(`${shown} failed (${how})${lastLine ? `: ${lastLine}` : ''}; check \`gcloud auth list\` and \`gcloud auth login\``));
        },
      );
    });
  }
}
