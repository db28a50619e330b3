// Opens the platform a run measures: local starts its processes (stopped after, always); cloud ones are
// resolved from their deploy state. Also says how the runner gets ID tokens for the hops it makes itself.
import type { PlatformName, ResolvedPlatform } from '../platforms/types.ts';
import type { TokenSource } from './token-broker.ts';

/** A service of the platform that exited while the run was going on. */
export interface ServiceExitEvent {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: Date;
}

export interface PlatformSession {
  resolved: ResolvedPlatform;
  /** ID tokens for private services the runner calls itself (audience = service URL / origin). */
  tokens: TokenSource;
  /** Local: calls `listener` when one of its processes exits before stop(); returns an unsubscribe. */
  onServiceExit?(listener: (exit: ServiceExitEvent) => void): () => void;
  /** Local: ID tokens the metadata emulator minted so far, per audience (cold first calls pay one each). */
  tokenRequests?(): Record<string, number>;
  stop(): Promise<void>;
}

/** The platform cannot be used (not deployed, gcloud missing…): the message says what to run first. Exit 2. */
export class PlatformUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlatformUnavailableError';
  }
}

export interface OpenPlatformOptions {
  pongDelayMs: number | null;
  /** Local: use the running platform this `platform:local --json` description names, instead of starting one. */
  platformFile?: string | null;
  /** Extra env for the local ping (batch concurrency and deadline sized for the run). */
  pingEnv: Record<string, string>;
  log: (line: string) => void;
  /** One-line notices that must always reach the user (e.g. which token source is used). */
  notice: (line: string) => void;
}

/** google-auth-library (or gcloud) tokens from the shared runner token module: cached, refreshed before expiry. */
async function cloudTokenSource(log: (line: string) => void): Promise<TokenSource> {
  const { RunnerTokens } = await import('../auth/runner-tokens.ts');
  const tokens = new RunnerTokens({ notice: log });
  return (serviceUrl, options) => tokens.get(serviceUrl, options);
}

export async function openPlatform(name: PlatformName, opts: OpenPlatformOptions): Promise<PlatformSession> {
  if (name === 'local' && opts.platformFile) {
    const { attachLocalPlatform } = await import('../platforms/local/index.ts');
    let attached;
    try {
      attached = await attachLocalPlatform(opts.platformFile);
    } catch (err) {
      throw new PlatformUnavailableError((err as Error).message, { cause: err });
    }
    opts.log(`local platform: using the running one described in ${opts.platformFile} (ping ${attached.resolved.pings[0]?.url})`);
    // Not ours to stop: its owner (platform:local, a test setup) does.
    return { resolved: attached.resolved, tokens: (audience) => attached.fetchIdToken(audience), stop: async () => {} };
  }
  if (name === 'local') {
    const { startLocalPlatform } = await import('../platforms/local/index.ts');
    const local = await startLocalPlatform({
      ...(opts.pongDelayMs !== null ? { pongDelayMs: opts.pongDelayMs } : {}),
      pingEnv: opts.pingEnv,
      log: opts.log,
      // The runner owns Ctrl-C: it stops the engine first, writes the folder, then stops the platform.
      handleSignals: false,
    });
    return {
      resolved: local.resolved,
      tokens: (audience) => local.fetchIdToken(audience),
      onServiceExit: (listener) => local.onServiceExit(listener),
      tokenRequests: () => local.tokenRequests(),
      stop: () => local.stop(),
    };
  }
  let resolved: ResolvedPlatform;
  try {
    const { resolvePlatform } = await import('../platforms/index.ts');
    resolved = await resolvePlatform(name, {});
  } catch (err) {
    throw new PlatformUnavailableError((err as Error).message, { cause: err });
  }
  let source: TokenSource | null = null;
  return {
    resolved,
    tokens: async (audience, options) => {
      source ??= await cloudTokenSource(opts.notice);
      return source(audience, options);
    },
    stop: () => resolved.stop(),
  };
}
