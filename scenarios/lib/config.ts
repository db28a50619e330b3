// The one config object a scenario run receives (JSON in the S2S_CONFIG env var), and its validator.
// Plain TypeScript on purpose: it runs inside k6's JS runtime (no Node, no zod) and, unchanged, in the runner.
import type { AuthMode, ConnectionMode } from '../../src/contract/ping.ts';

export const CONFIG_ENV = 'S2S_CONFIG';
/** The same config base64-encoded: how distributed runs pass it in a TestRun's `arguments` (no quoting issues). */
export const CONFIG_B64_ENV = 'S2S_CONFIG_B64';
export const CONFIG_VERSION = 1;
export const SCENARIO_NAMES = ['probe', 'load', 'direct'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** A ping service the VU calls (the outer hop). */
export interface PingConfig {
  source: string;
  /** Base URL, no trailing slash. */
  url: string;
  /** Env var holding the bearer token for ping itself (private ping), or null when ping is public. */
  tokenEnv: string | null;
}

/** One source → target pair measured by the ping at `source`. */
export interface PairConfig {
  source: string;
  target: string;
  auth: AuthMode;
  /** What ping sends as `auth=`. */
  pingAuth: 'id-token' | 'none';
}

/** A target the VU calls itself (`direct`). */
export interface DirectConfig {
  name: string;
  url: string;
  auth: AuthMode;
  /** Env var holding the bearer token for this target, or null when it is public. */
  tokenEnv: string | null;
}

export interface StageConfig {
  /** k6 duration, e.g. "30s". */
  duration: string;
  /** Iterations per second at the end of the stage. */
  target: number;
}

export interface LoadConfig {
  /** Inner calls per ping request (one iteration). */
  batchCount: number;
  /** Iterations (ping requests) per second, all pairs together (constant-arrival-rate). */
  ratePerSec: number;
  /** k6 duration of the constant rate, e.g. "30s"; ignored when stages are given. */
  duration: string;
  /** ramping-arrival-rate stages, or null for a constant rate. */
  stages: StageConfig[] | null;
  preAllocatedVUs: number;
  maxVUs: number;
}

/** Where the runner serves refreshed tokens on loopback for runs longer than a token's lifetime. */
export interface TokenBrokerConfig {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Env var holding the broker's per-run key (never a token). */
  keyEnv: string;
  /** Refresh a token this long before its `exp`, seconds. */
  refreshBeforeExpirySec: number;
}

export interface ScenarioConfig {
  version: 1;
  platform: string;
  scenario: ScenarioName;
  pings: PingConfig[];
  pairs: PairConfig[];
  direct: DirectConfig[];
  /** Inner calls per batch (probe: per ping request; direct: per target). */
  count: number;
  /** Batches per pair (probe) or per target (direct). */
  batches: number;
  connection: ConnectionMode;
  load: LoadConfig;
  /** Thresholds in k6 syntax, defaults already merged with --threshold by the runner. */
  thresholds: Record<string, string[]>;
  /** Absolute path where handleSummary writes summary.json, or null to skip. */
  summaryPath: string | null;
  /** k6 duration for one outer request (a 100,000-call batch takes a while). */
  requestTimeout: string;
  /** Upper bound for the probe/direct scenario, k6 duration. */
  maxDuration: string;
  tokenBroker: TokenBrokerConfig | null;
}

/** Thrown for a bad S2S_CONFIG: the message names the field, the value and the fix. */
export class ScenarioConfigError extends Error {
  constructor(message: string) {
    super(`${CONFIG_ENV}: ${message}`);
    this.name = 'ScenarioConfigError';
  }
}

const AUTHS: readonly string[] = ['id-token', 'mesh-mtls', 'none'];
const DURATION_RE = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const TAG_VALUE_RE = /^[^,{}:"]+$/;

type Obj = Record<string, unknown>;

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fail(path: string, value: unknown, want: string): never {
  throw new ScenarioConfigError(`${path} must be ${want}, got ${show(value)}`);
}

function obj(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, value, 'an object');
  return value as Obj;
}

function str(o: Obj, key: string, path: string, re?: RegExp, want = 'a non-empty string'): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || (re && !re.test(v))) fail(`${path}.${key}`, v, want);
  return v;
}

function nullableStr(o: Obj, key: string, path: string): string | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  return str(o, key, path);
}

function int(o: Obj, key: string, path: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${path}.${key}`, v, `an integer in ${min}..${max}`);
  return v;
}

function num(o: Obj, key: string, path: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(`${path}.${key}`, v, `a number in ${min}..${max}`);
  return v;
}

function oneOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !allowed.includes(v as T)) fail(`${path}.${key}`, v, `one of ${allowed.join('|')}`);
  return v as T;
}

function arr(o: Obj, key: string, path: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${path}.${key}`, v, 'an array');
  return v;
}

function url(o: Obj, key: string, path: string): string {
  return str(o, key, path, /^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http(s) URL');
}

/** Validates a parsed config object; returns it typed or throws ScenarioConfigError. */
export function validateConfig(input: unknown): ScenarioConfig {
  const c = obj(input, 'config');
  if (c.version !== CONFIG_VERSION) fail('config.version', c.version, `${CONFIG_VERSION} (rebuild with npm run build, run through npm run scenario:<platform>)`);
  const platform = str(c, 'platform', 'config');
  const scenario = oneOf(c, 'scenario', 'config', SCENARIO_NAMES);
  const pings = arr(c, 'pings', 'config').map((p, i): PingConfig => {
    const path = `config.pings[${i}]`;
    const o = obj(p, path);
    return { source: str(o, 'source', path, TAG_VALUE_RE), url: url(o, 'url', path).replace(/\/+$/, ''), tokenEnv: nullableStr(o, 'tokenEnv', path) };
  });
  const pairs = arr(c, 'pairs', 'config').map((p, i): PairConfig => {
    const path = `config.pairs[${i}]`;
    const o = obj(p, path);
    const source = str(o, 'source', path, TAG_VALUE_RE);
    if (!pings.some((ping) => ping.source === source)) fail(`${path}.source`, source, `the source of one of config.pings (${pings.map((x) => x.source).join(', ') || 'none given'})`);
    return {
      source,
      target: str(o, 'target', path, TAG_VALUE_RE),
      auth: oneOf(o, 'auth', path, AUTHS) as AuthMode,
      pingAuth: oneOf(o, 'pingAuth', path, ['id-token', 'none'] as const),
    };
  });
  const direct = arr(c, 'direct', 'config').map((d, i): DirectConfig => {
    const path = `config.direct[${i}]`;
    const o = obj(d, path);
    return {
      name: str(o, 'name', path, TAG_VALUE_RE),
      url: url(o, 'url', path),
      auth: oneOf(o, 'auth', path, AUTHS) as AuthMode,
      tokenEnv: nullableStr(o, 'tokenEnv', path),
    };
  });
  if (scenario === 'direct' && direct.length === 0) fail('config.direct', direct, 'at least one target for the direct scenario (this platform has none)');
  if (scenario !== 'direct' && pairs.length === 0) fail('config.pairs', pairs, `at least one source → target pair for the ${scenario} scenario`);

  const l = obj(c.load, 'config.load');
  let stages: StageConfig[] | null = null;
  if (l.stages !== null && l.stages !== undefined) {
    stages = arr(l, 'stages', 'config.load').map((s, i) => {
      const path = `config.load.stages[${i}]`;
      const o = obj(s, path);
      return { duration: str(o, 'duration', path, DURATION_RE, 'a k6 duration like "30s"'), target: num(o, 'target', path, 0, 1e6) };
    });
    if (stages.length === 0) fail('config.load.stages', l.stages, 'a non-empty array or null');
  }
  const load: LoadConfig = {
    batchCount: int(l, 'batchCount', 'config.load', 1, 1_000_000),
    ratePerSec: num(l, 'ratePerSec', 'config.load', 0.001, 1e6),
    duration: str(l, 'duration', 'config.load', DURATION_RE, 'a k6 duration like "30s"'),
    stages,
    preAllocatedVUs: int(l, 'preAllocatedVUs', 'config.load', 1, 100_000),
    maxVUs: int(l, 'maxVUs', 'config.load', 1, 100_000),
  };
  if (load.maxVUs < load.preAllocatedVUs) fail('config.load.maxVUs', load.maxVUs, `>= preAllocatedVUs (${load.preAllocatedVUs})`);

  const t = obj(c.thresholds, 'config.thresholds');
  const thresholds: Record<string, string[]> = {};
  for (const [key, list] of Object.entries(t)) {
    if (!Array.isArray(list) || list.some((e) => typeof e !== 'string' || e.trim() === '')) fail(`config.thresholds["${key}"]`, list, 'an array of k6 threshold expressions like "p(95)<20"');
    thresholds[key] = list as string[];
  }

  let tokenBroker: TokenBrokerConfig | null = null;
  if (c.tokenBroker !== null && c.tokenBroker !== undefined) {
    const b = obj(c.tokenBroker, 'config.tokenBroker');
    tokenBroker = { url: url(b, 'url', 'config.tokenBroker'), keyEnv: str(b, 'keyEnv', 'config.tokenBroker'), refreshBeforeExpirySec: int(b, 'refreshBeforeExpirySec', 'config.tokenBroker', 0, 3600) };
  }

  return {
    version: CONFIG_VERSION,
    platform,
    scenario,
    pings,
    pairs,
    direct,
    count: int(c, 'count', 'config', 1, 10_000_000),
    batches: int(c, 'batches', 'config', 1, 100_000),
    connection: oneOf(c, 'connection', 'config', ['reuse', 'new'] as const),
    load,
    thresholds,
    summaryPath: nullableStr(c, 'summaryPath', 'config'),
    requestTimeout: str(c, 'requestTimeout', 'config', DURATION_RE, 'a k6 duration like "600s"'),
    maxDuration: str(c, 'maxDuration', 'config', DURATION_RE, 'a k6 duration like "30m"'),
    tokenBroker,
  };
}

/**
 * Reads and validates the config from the environment (k6's __ENV): S2S_CONFIG, else S2S_CONFIG_B64 decoded
 * with `decodeBase64` (k6/encoding inside a script; this file stays free of k6 imports for the runner).
 */
export function readConfig(env: Record<string, string | undefined>, decodeBase64?: (b64: string) => string): ScenarioConfig {
  let raw = env[CONFIG_ENV];
  const b64 = env[CONFIG_B64_ENV];
  if ((raw === undefined || raw === '') && b64 && decodeBase64) raw = decodeBase64(b64);
  if (raw === undefined || raw === '') {
    throw new ScenarioConfigError('not set. Run scenarios through `npm run scenario:<platform>` (it builds the config), or pass -e S2S_CONFIG=\'{...}\' (or -e S2S_CONFIG_B64=<base64>) to k6.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ScenarioConfigError(`is not valid JSON (${(err as Error).message}).`);
  }
  return validateConfig(parsed);
}
