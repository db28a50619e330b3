// The service's configuration: environment variables validated once at start-up with zod, so a bad
// value stops the process with a message naming the variable, the value and what is allowed.
import { z } from 'zod';

export type ServiceAuthMode = 'none' | 'id-token';

/** One allow-listed target of /ping. */
export interface PingTarget {
  name: string;
  /** Exact origin (scheme://host:port) that may be called and may receive an ID token. */
  origin: string;
  /** What `target=<name>` calls: the origin plus the entry's path, or /pong when it has none. */
  url: string;
}

export interface AppConfig {
  port: number;
  host: string;
  serviceName: string;
  /** HTTPS when both files are set. */
  tls: { certFile: string; keyFile: string } | null;
  pingTargets: PingTarget[];
  pingSource: string;
  pingMaxCount: number;
  pingMaxSamples: number;
  pingCallTimeoutMs: number;
  pingBatchDeadlineMs: number;
  pingMaxConcurrentBatches: number;
  /** Most response-body bytes one batch may ask for (count × pong's size=), bytes; past it /ping answers 400. */
  pingMaxBatchBytes: number;
  authMode: ServiceAuthMode;
  /** Accepted audiences; null = the origin the request came to. */
  authAudiences: string[] | null;
  authAllowedPrincipals: string[];
  authIssuers: string[];
  authCertsUrl: string;
  pongDefaultDelayMs: number;
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MAX_DELAY_MS = 10_000;
/** Generous for latency work (1000 calls of 64 KiB), far below what one request could otherwise make ping pull. */
export const DEFAULT_MAX_BATCH_BYTES = 64 * 1024 * 1024;

function intVar(min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const v = raw?.trim();
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!/^-?\d+$/.test(v) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max} (default ${fallback})` });
        return z.NEVER;
      }
      return n;
    });
}

function numberVar(min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const v = raw?.trim();
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a number from ${min} to ${max} (default ${fallback})` });
        return z.NEVER;
      }
      return n;
    });
}

function listVar(fallback: string[]) {
  return z
    .string()
    .optional()
    .transform((raw) => {
      const items = (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
      return items.length > 0 ? items : fallback;
    });
}

function optionalText() {
  return z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
}

function httpUrlVar(fallback: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const v = raw?.trim() || fallback;
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected an absolute http(s) URL' });
        return z.NEVER;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        ctx.addIssue({ code: 'custom', message: 'expected an absolute http(s) URL' });
        return z.NEVER;
      }
      return url.href;
    });
}

const pingTargetsVar = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const out: PingTarget[] = [];
    const entries = (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const entry of entries) {
      const eq = entry.indexOf('=');
      const name = eq > 0 ? entry.slice(0, eq).trim() : '';
      const value = eq > 0 ? entry.slice(eq + 1).trim() : '';
      const fail = (why: string) => ctx.addIssue({ code: 'custom', message: `entry "${entry}" ${why}; expected name=https://host[:port][/path],name2=…` });
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
        fail('has no valid name (letters, digits, . _ -)');
        continue;
      }
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        fail('has no absolute URL');
        continue;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        fail('is not http(s)');
        continue;
      }
      if (url.username || url.password) {
        fail('must not carry credentials');
        continue;
      }
      if (out.some((t) => t.name === name)) {
        fail('repeats a name');
        continue;
      }
      const path = url.pathname === '/' && url.search === '' ? '/pong' : `${url.pathname}${url.search}`;
      out.push({ name, origin: url.origin, url: `${url.origin}${path}` });
    }
    return out;
  });

const envSchema = z.object({
  PORT: intVar(0, 65535, 8080),
  HOST: optionalText(),
  SERVICE_NAME: optionalText(),
  TLS_CERT_FILE: optionalText(),
  TLS_KEY_FILE: optionalText(),
  PING_TARGETS: pingTargetsVar,
  PING_SOURCE: optionalText(),
  PING_MAX_COUNT: intVar(1, 10_000_000, 100_000),
  PING_MAX_SAMPLES: intVar(0, 10_000_000, 100_000),
  PING_CALL_TIMEOUT_MS: intVar(1, 600_000, 5_000),
  PING_BATCH_DEADLINE_MS: intVar(1, 3_600_000, 120_000),
  PING_MAX_CONCURRENT_BATCHES: intVar(1, 1_000, 8),
  PING_MAX_BATCH_BYTES: intVar(1, 2 ** 40, DEFAULT_MAX_BATCH_BYTES),
  AUTH_MODE: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const v = raw?.trim() || 'none';
      if (v !== 'none' && v !== 'id-token') {
        ctx.addIssue({ code: 'custom', message: 'expected one of: none, id-token' });
        return z.NEVER;
      }
      return v as ServiceAuthMode;
    }),
  AUTH_AUDIENCE: listVar([]),
  AUTH_ALLOWED_PRINCIPALS: listVar([]),
  AUTH_ISSUERS: listVar(['https://accounts.google.com', 'accounts.google.com']),
  AUTH_CERTS_URL: httpUrlVar('https://www.googleapis.com/oauth2/v3/certs'),
  PONG_DEFAULT_DELAY_MS: numberVar(0, MAX_DELAY_MS, 0),
  SHUTDOWN_GRACE_MS: intVar(0, 3_600_000, 10_000),
});

/** Parses the environment; throws ConfigError naming every bad variable, its value and what is allowed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      return `  ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration, fix these environment variables:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  if ((e.TLS_CERT_FILE === undefined) !== (e.TLS_KEY_FILE === undefined)) {
    problems.push(`  TLS_CERT_FILE/TLS_KEY_FILE: set both (HTTPS) or neither (plain HTTP)`);
  }
  if (e.AUTH_MODE === 'id-token' && e.AUTH_ALLOWED_PRINCIPALS.length === 0) {
    problems.push(`  AUTH_ALLOWED_PRINCIPALS="": AUTH_MODE=id-token needs at least one allowed email (comma list)`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration, fix these environment variables:\n${problems.join('\n')}`);
  return {
    port: e.PORT,
    host: e.HOST ?? '0.0.0.0',
    serviceName: e.SERVICE_NAME ?? 'ping',
    tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } : null,
    pingTargets: e.PING_TARGETS,
    pingSource: e.PING_SOURCE ?? 'local',
    pingMaxCount: e.PING_MAX_COUNT,
    pingMaxSamples: e.PING_MAX_SAMPLES,
    pingCallTimeoutMs: e.PING_CALL_TIMEOUT_MS,
    pingBatchDeadlineMs: e.PING_BATCH_DEADLINE_MS,
    pingMaxConcurrentBatches: e.PING_MAX_CONCURRENT_BATCHES,
    pingMaxBatchBytes: e.PING_MAX_BATCH_BYTES,
    authMode: e.AUTH_MODE,
    authAudiences: e.AUTH_AUDIENCE.length > 0 ? e.AUTH_AUDIENCE : null,
    authAllowedPrincipals: e.AUTH_ALLOWED_PRINCIPALS,
    authIssuers: e.AUTH_ISSUERS,
    authCertsUrl: e.AUTH_CERTS_URL,
    pongDefaultDelayMs: e.PONG_DEFAULT_DELAY_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}

/** Defaults for everything, for tests and embedding: `configFrom({ PING_TARGETS: … })`. */
export function configFrom(env: Record<string, string | undefined>): AppConfig {
  return loadConfig(env as NodeJS.ProcessEnv);
}
