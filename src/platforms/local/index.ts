// The local platform: a run CA, the metadata emulator (in-process), and ping, pong-sec, pong-unsec and an
// "external website" stand-in as separate HTTPS processes on 127.0.0.1 — started, described for the
// runner (ResolvedPlatform) and stopped without leaving a process or a file behind.
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { availableParallelism, tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { redactError } from '../../auth/redact.ts';
import type { ResolvedPlatform } from '../types.ts';
import { createRunCa, issueServerCert } from './ca.ts';
import { startMetadataEmulator, type MetadataEmulator } from './metadata-emulator.ts';
import { REPO_ROOT, serviceCommand, type ServiceRuntime } from './server-bundle.ts';
import { ProcessStartError, Supervised } from '../../process/supervised.ts';

export const LOCAL_PROJECT_ID = 's2s-local';
export const PING_SERVICE_ACCOUNT = `ping-sa@${LOCAL_PROJECT_ID}.iam.gserviceaccount.com`;

/** What the local platform measures, known before anything starts (the runner validates thresholds against it). */
export const LOCAL_TOPOLOGY = {
  platform: 'local',
  sources: ['local'],
  pairs: [
    { source: 'local', target: 'pong-sec', targetPlatform: 'local', auth: 'id-token', pingAuth: 'id-token' },
    { source: 'local', target: 'pong-unsec', targetPlatform: 'local', auth: 'none', pingAuth: 'none' },
    // The post's "external website" case, here a local stand-in.
    { source: 'local', target: 'external', targetPlatform: 'external', auth: 'none', pingAuth: 'none' },
  ],
  direct: [
    { name: 'pong-sec', platform: 'local', auth: 'id-token', private: true },
    { name: 'pong-unsec', platform: 'local', auth: 'none', private: false },
  ],
} as const;

/** A service that exited while the platform was up (not during stop()). */
export interface ServiceExit {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When it was noticed. */
  at: Date;
}

export interface LocalPlatformOptions {
  /** Delay pong-sec and pong-unsec add to every /pong (PONG_DEFAULT_DELAY_MS), ms; for regression tests. Default 0. */
  pongDelayMs?: number;
  /** Delay of the "external website" stand-in, ms. Default 0. */
  externalDelayMs?: number;
  /** Extra or overriding environment for ping (e.g. PING_CALL_TIMEOUT_MS). */
  pingEnv?: Record<string, string>;
  /** Receives progress and every service output line (tokens redacted). */
  log?: (line: string) => void;
  /** How long each service may take to print its listening line, ms. Default 60000 (the machine may be loaded). */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when stopping, ms. Default 5000. */
  stopGraceMs?: number;
  /** 'bundle' (default: esbuild bundle, faster start) or 'tsx' (runs the sources as they are). */
  runtime?: ServiceRuntime;
  /** Service entry (default app/server.ts); tests may point it elsewhere. */
  serverEntry?: string;
  /** Stop on SIGINT/SIGTERM of this process, then let the signal take its usual course. Default true. */
  handleSignals?: boolean;
}

export interface LocalPlatformUrls {
  ping: string;
  pongSec: string;
  pongUnsec: string;
  external: string;
  /** The metadata emulator (plain HTTP, like the real one). */
  metadata: string;
  /** JWKS that pong-sec verifies against. */
  certs: string;
}

export interface LocalPlatform {
  urls: LocalPlatformUrls;
  /** PEM of the run CA: `curl --cacert`, NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** Temp dir holding the CA, the server cert and an empty gcloud config; removed by stop(). */
  dir: string;
  pids: { ping: number; pongSec: number; pongUnsec: number; external: number };
  serviceAccount: string;
  emulator: MetadataEmulator;
  resolved: ResolvedPlatform;
  /** Resolves if a service exits while the platform is up (not during stop()): a crash to report. */
  serviceExit: Promise<{ name: string; pid: number; code: number | null; signal: NodeJS.Signals | null }>;
  /** Calls `listener` for every service that exits while the platform is up (not during stop()). Returns an unsubscribe. */
  onServiceExit(listener: (exit: ServiceExit) => void): () => void;
  /** ID tokens the metadata emulator minted so far, per audience. */
  tokenRequests(): Record<string, number>;
  /** An ID token from the emulator for `audience` (the runner's own calls to pong-sec). Never log it. */
  fetchIdToken(audience: string): Promise<string>;
  stop(): Promise<void>;
}

export class LocalPlatformError extends Error {
  override name = 'LocalPlatformError';
}

/** What `platform:local --json` prints as its first line: all another process needs to use this platform. */
export const localPlatformDescription = z.object({
  platform: z.literal('local'),
  urls: z.object({ ping: z.url(), pongSec: z.url(), pongUnsec: z.url(), external: z.url(), metadata: z.url(), certs: z.url() }),
  caFile: z.string().min(1),
  pids: z.object({ ping: z.number(), pongSec: z.number(), pongUnsec: z.number(), external: z.number() }),
  serviceAccount: z.string(),
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type LocalPlatformDescription = z.infer<typeof localPlatformDescription>;

export function describeLocalPlatform(p: Pick<LocalPlatform, 'urls' | 'caFile' | 'pids' | 'serviceAccount' | 'resolved'>): LocalPlatformDescription {
  return { platform: 'local', urls: p.urls, caFile: p.caFile, pids: p.pids, serviceAccount: p.serviceAccount, settings: p.resolved.settings };
}

/** The runner's view of a local platform at these URLs: ping's pairs and the targets it may call itself. */
function localResolved(urls: LocalPlatformUrls, caFile: string, settings: ResolvedPlatform['settings'], stop: () => Promise<void>): ResolvedPlatform {
  const byName: Record<string, string> = { 'pong-sec': urls.pongSec, 'pong-unsec': urls.pongUnsec, external: urls.external };
  return {
    platform: 'local',
    pings: [{ source: 'local', url: urls.ping, private: false }],
    pairs: LOCAL_TOPOLOGY.pairs.map((p) => ({ ...p, targetUrl: `${byName[p.target]}/pong` })),
    direct: LOCAL_TOPOLOGY.direct.map((d) => ({ ...d, url: `${byName[d.name]}/pong` })),
    caFile,
    settings,
    stop,
  };
}

/** An ID token for `audience` from the platform's metadata emulator (the runner's own calls). Never log it. */
async function emulatorIdToken(metadataUrl: string, audience: string): Promise<string> {
  const res = await fetch(`${metadataUrl}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(audience)}&format=full`, {
    headers: { 'Metadata-Flavor': 'Google' },
  });
  if (!res.ok) throw new LocalPlatformError(`fetch an ID token for ${audience} from the metadata emulator failed: ${res.status}`);
  return res.text();
}

export interface AttachedLocalPlatform {
  resolved: ResolvedPlatform;
  fetchIdToken(audience: string): Promise<string>;
}

/**
 * Uses a local platform another process started and described in `file` (the first line of
 * `platform:local --json`): checks that ping answers over HTTPS with its CA; stopping it stays with its owner.
 */
export async function attachLocalPlatform(file: string): Promise<AttachedLocalPlatform> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new LocalPlatformError(`read the platform description ${file}: ${(error as NodeJS.ErrnoException).code ?? redactError(error)}; write one with \`npm run -s platform:local -- --json > ${file}\``);
  }
  let description: LocalPlatformDescription;
  try {
    description = localPlatformDescription.parse(JSON.parse(text.split('\n')[0] ?? ''));
  } catch {
    throw new LocalPlatformError(`${file} is not the JSON line \`npm run -s platform:local -- --json\` prints first`);
  }
  let caPem: string;
  try {
    caPem = await readFile(description.caFile, 'utf8');
    await checkHealth(description.urls.ping, caPem, 10_000);
  } catch (error) {
    throw new LocalPlatformError(`the local platform described in ${file} does not answer (ping ${description.urls.ping}, CA ${description.caFile}: ${redactError(error)}): is it still running?`);
  }
  const metadata = description.urls.metadata;
  return {
    resolved: localResolved(description.urls, description.caFile, { ...description.settings, attached: true }, async () => {}),
    fetchIdToken: (audience) => emulatorIdToken(metadata, audience),
  };
}

/**
 * Only what a Node service needs, not the caller's environment: a developer's proxy variables would route
 * metadata calls elsewhere, and their gcloud credentials would win over the emulator.
 */
function baseEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'TZ', 'SystemRoot']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  env.CLOUDSDK_CONFIG = join(dir, 'gcloud');
  env.NO_PROXY = '127.0.0.1,localhost';
  env.S2S_PARENT_PID = String(process.pid);
  env.S2S_PLATFORM_DIR = dir;
  env.HOST = '127.0.0.1';
  env.PORT = '0';
  return env;
}

/** GET <url>/healthz trusting only the run CA: proves the service is up and its certificate chain is right. */
function checkHealth(url: string, caPem: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/healthz`, { ca: caPem, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Starts the whole local platform; on any failure stops what was started and throws a LocalPlatformError. */
export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const log = options.log ?? (() => {});
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const pongDelayMs = options.pongDelayMs ?? 0;
  const externalDelayMs = options.externalDelayMs ?? 0;
  for (const [name, value] of [['pongDelayMs', pongDelayMs], ['externalDelayMs', externalDelayMs]] as const) {
    if (!Number.isFinite(value) || value < 0 || value > 10_000) {
      throw new LocalPlatformError(`start the local platform: ${name}=${value} is out of range; use a number of ms from 0 to 10000`);
    }
  }

  const dir = await mkdtemp(join(tmpdir(), 's2s-local-'));
  const services: Supervised[] = [];
  let emulator: MetadataEmulator | undefined;
  let stopping: Promise<void> | undefined;

  const onExit = (): void => {
    // Last resort when the process exits without stop(): nothing asynchronous can run here.
    for (const service of services) service.killNow();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`local platform: ${signal}, stopping`);
    void stop().finally(() => {
      // We were the only listener: re-raise so the process ends as the signal intends.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  const handleSignals = options.handleSignals ?? true;
  process.on('exit', onExit);
  if (handleSignals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await Promise.all(services.map((service) => service.stop(stopGraceMs)));
      await emulator?.stop();
      await rm(dir, { recursive: true, force: true });
      process.off('exit', onExit);
      log('local platform: stopped');
    })();
    return stopping;
  }

  try {
    await mkdir(join(dir, 'gcloud'), { mode: 0o700 });
    const [ca, command] = await Promise.all([createRunCa(dir), serviceCommand(options.serverEntry, options.runtime ?? 'bundle')]);
    const cert = await issueServerCert(ca, ['127.0.0.1', 'localhost']);
    emulator = await startMetadataEmulator({ email: PING_SERVICE_ACCOUNT, projectId: LOCAL_PROJECT_ID });
    log(`local platform: CA ${ca.certFile}, metadata emulator ${emulator.url}, services via ${command.runtime}`);

    const common = { ...baseEnv(dir), TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile };
    const start = async (name: string, env: NodeJS.ProcessEnv): Promise<Supervised> => {
      // Tracked from the spawn on, so a service that never gets ready is still stopped.
      const service = Supervised.spawn({ name, args: command.args, env: { ...common, SERVICE_NAME: name, ...env }, cwd: REPO_ROOT, log });
      services.push(service);
      await service.ready(startTimeoutMs);
      return service;
    };

    // Pong URLs must be known before ping starts: its allow-list is fixed at start-up.
    const settled = await Promise.allSettled([
      start('pong-sec', {
        AUTH_MODE: 'id-token',
        // AUTH_AUDIENCE unset: the service accepts its own origin (the port is not known before it listens).
        AUTH_ALLOWED_PRINCIPALS: PING_SERVICE_ACCOUNT,
        AUTH_CERTS_URL: emulator.certsUrl,
        PONG_DEFAULT_DELAY_MS: String(pongDelayMs),
      }),
      start('pong-unsec', { AUTH_MODE: 'none', PONG_DEFAULT_DELAY_MS: String(pongDelayMs) }),
      start('external', { AUTH_MODE: 'none', PONG_DEFAULT_DELAY_MS: String(externalDelayMs) }),
    ]);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const [pongSec, pongUnsec, external] = settled.map((outcome) => (outcome as PromiseFulfilledResult<Supervised>).value) as [Supervised, Supervised, Supervised];

    const ping = await start('ping', {
      PING_SOURCE: 'local',
      PING_TARGETS: `pong-sec=${pongSec.url},pong-unsec=${pongUnsec.url},external=${external.url}`,
      NODE_EXTRA_CA_CERTS: ca.certFile,
      GCE_METADATA_HOST: emulator.host,
      GOOGLE_CLOUD_PROJECT: LOCAL_PROJECT_ID,
      METADATA_SERVER_DETECTION: 'assume-present',
      ...options.pingEnv,
    });

    await Promise.all(
      services.map((service) =>
        checkHealth(service.url, ca.certPem, startTimeoutMs).catch((error: unknown) => {
          throw new LocalPlatformError(`check ${service.name} at ${service.url}/healthz over HTTPS with the run CA failed: ${redactError(error)}`);
        }),
      ),
    );

    const urls: LocalPlatformUrls = {
      ping: ping.url,
      pongSec: pongSec.url,
      pongUnsec: pongUnsec.url,
      external: external.url,
      metadata: emulator.url,
      certs: emulator.certsUrl,
    };
    const resolved = localResolved(urls, ca.certFile, {
      platform: 'local',
      pongDelayMs,
      externalDelayMs,
      hostCpus: availableParallelism(),
      nodeVersion: process.version,
      tls: true,
      serviceRuntime: command.runtime,
      serviceAccount: PING_SERVICE_ACCOUNT,
    }, stop);
    const started = emulator;
    const serviceExit = Promise.race(
      services.map((service) => service.exited.then(({ code, signal }) => ({ name: service.name, pid: service.pid, code, signal }))),
    ).then((exit) => (stopping ? new Promise<never>(() => {}) : exit));
    const exitListeners = new Set<(exit: ServiceExit) => void>();
    for (const service of services) {
      void service.exited.then(({ code, signal }) => {
        if (stopping) return;
        const exit: ServiceExit = { name: service.name, pid: service.pid, code, signal, at: new Date() };
        for (const listener of exitListeners) listener(exit);
      });
    }
    log(`local platform: ping ${urls.ping}, pong-sec ${urls.pongSec}, pong-unsec ${urls.pongUnsec}, external ${urls.external}`);
    return {
      urls,
      caFile: ca.certFile,
      dir,
      pids: { ping: ping.pid, pongSec: pongSec.pid, pongUnsec: pongUnsec.pid, external: external.pid },
      serviceAccount: PING_SERVICE_ACCOUNT,
      emulator: started,
      resolved,
      serviceExit,
      onServiceExit(listener) {
        exitListeners.add(listener);
        return () => exitListeners.delete(listener);
      },
      tokenRequests: () => started.tokenRequests(),
      fetchIdToken: (audience: string) => emulatorIdToken(started.url, audience),
      stop,
    };
  } catch (error) {
    await stop();
    if (error instanceof LocalPlatformError) throw error;
    // Its message already holds the service's last output lines (redacted), one per line.
    if (error instanceof ProcessStartError) throw new LocalPlatformError(`start the local platform failed: ${error.message}`, { cause: error });
    throw new LocalPlatformError(`start the local platform failed: ${redactError(error)}`, { cause: error });
  }
}
