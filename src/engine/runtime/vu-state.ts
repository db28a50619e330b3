// The per-VU state every k6 module shim reads and writes: identity, the current iteration, group stack, tags,
// connection pool and per-iteration byte counters. One instance per VU (per vm context).
import { AgentPool } from './client.ts';
import { IterationInterruptedError } from './errors.ts';
import type { TagSet, VuHost } from './host.ts';

/** The cloneable part of the scheduler's IterationContext (no AbortSignal). */
export interface IterationInput {
  scenario: { name: string; executor: string; startTimeMs: number; iterationInInstance: number; iterationInTest: number; progress: number };
  iterationInScenario: number;
  tags: Record<string, string>;
  env: Record<string, string>;
  exec: string;
}

export interface ResponseCallbackSpec {
  readonly __s2sResponseCallback: true;
  readonly accepts: (status: number) => boolean;
}

export interface HttpDefaults {
  userAgent: string;
  insecureSkipTLSVerify: boolean;
  maxRedirects: number;
  discardResponseBodies: boolean;
  timeoutMs: number;
  /** k6 `noConnectionReuse`: a new connection for every request. */
  noConnectionReuse: boolean;
  /** k6 `noVUConnectionReuse`: the VU's connections are closed after each iteration. */
  noVUConnectionReuse: boolean;
}

export const DEFAULT_USER_AGENT = 's2s-embedded/0.1.0 (k6-compatible)';

export class VuState {
  inInit = true;
  readonly groupStack: string[] = [];
  current: IterationInput | null = null;
  /** Iterations this VU has started, all scenarios (k6 exec.vu.iterationInInstance). */
  iterationInInstance = 0;
  /** __ITER: the VU's iteration number in the current scenario. */
  readonly iterPerScenario = new Map<string, number>();
  iter = 0;
  dataSent = 0;
  dataReceived = 0;
  signal: AbortSignal | undefined;
  /** Set to 1 by the main thread on a hard stop: read by the loop check of lifted code (a busy VU reads no messages). */
  stopCell: Int32Array | undefined;
  stopped(): boolean {
    return (this.signal?.aborted ?? false) || (this.stopCell !== undefined && Atomics.load(this.stopCell, 0) === 1);
  }
  /** sleep(): a timer, cut short (rejected with IterationInterruptedError) by the iteration's hard stop. */
  wait(ms: number): Promise<void> {
    const signal = this.signal;
    return new Promise<void>((resolve, reject) => {
      if (!signal) {
        setTimeout(resolve, ms);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new IterationInterruptedError());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  /** JSON.parse of the VU's own realm, so parsed values are plain objects/arrays of the script's context. */
  jsonParse: (text: string) => unknown = JSON.parse;
  private agentPool: AgentPool | undefined;
  private httpDefaultsCache: HttpDefaults | undefined;
  defaultResponseCallback: ResponseCallbackSpec | null;
  /** exec.vu.tags set by the script; baseTags() is rebuilt when it changes. */
  readonly vuTags: Record<string, string> = Object.create(null) as Record<string, string>;
  private baseTagsCache: TagSet | null = null;
  /** Set when the VU runs setup/teardown: the scenario-less tags those phases carry. */
  phaseTags: TagSet | null = null;

  constructor(
    readonly host: VuHost,
    readonly idInInstance: number,
    readonly idInTest: number,
    /** Key of this VU's connection pool in the I/O thread. */
    readonly vuKey: string,
    readonly scriptDir: string,
    readonly env: Record<string, string>,
    expectedDefault: ResponseCallbackSpec,
  ) {
    this.defaultResponseCallback = expectedDefault;
  }

  get agents(): AgentPool {
    this.agentPool ??= new AgentPool();
    return this.agentPool;
  }

  httpDefaults(): HttpDefaults {
    if (!this.httpDefaultsCache) {
      const o = this.host.testOptions();
      const redirects = typeof o['maxRedirects'] === 'number' ? o['maxRedirects'] : 10;
      this.httpDefaultsCache = {
        userAgent: typeof o['userAgent'] === 'string' ? o['userAgent'] : DEFAULT_USER_AGENT,
        insecureSkipTLSVerify: o['insecureSkipTLSVerify'] === true,
        maxRedirects: redirects,
        discardResponseBodies: o['discardResponseBodies'] === true,
        timeoutMs: 60_000,
        noConnectionReuse: o['noConnectionReuse'] === true,
        noVUConnectionReuse: o['noVUConnectionReuse'] === true,
      };
    }
    return this.httpDefaultsCache;
  }

  groupPath(): string {
    return this.groupStack.length === 0 ? '' : `::${this.groupStack.join('::')}`;
  }

  /** Scenario tags + `scenario` + exec.vu.tags, without `group` (callers add it). */
  baseTags(): TagSet {
    if (this.baseTagsCache) return this.baseTagsCache;
    const t: TagSet = {};
    if (this.phaseTags) Object.assign(t, this.phaseTags);
    else if (this.current) {
      Object.assign(t, this.current.tags);
      t['scenario'] ??= this.current.scenario.name;
    }
    Object.assign(t, this.vuTags);
    this.baseTagsCache = t;
    return t;
  }

  invalidateTags(): void {
    this.baseTagsCache = null;
  }

  /** Tags for a sample emitted now: base tags, the current group, then the caller's own. */
  sampleTags(extra?: Record<string, unknown> | null): TagSet {
    const t: TagSet = { ...this.baseTags(), group: this.groupPath() };
    if (extra) for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) t[k] = String(v);
    return t;
  }

  /** Closes this VU's connections (the next request opens a new one). */
  closeConnections(): void {
    this.agentPool?.destroy();
  }

  close(): void {
    this.closeConnections();
  }
}
