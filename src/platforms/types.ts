// What a platform module hands the scenario runner: where the ping services are, which
// source → target pairs to measure, and the settings a comparison must know about.
// local.ts, cloudrun.ts, gke.ts and cross.ts each produce one of these.
import type { AuthMode } from '../contract/ping.ts';

export type PlatformName = 'local' | 'cloudrun' | 'gke' | 'cross';

/** One ping service the runner calls (the outer hop). */
export interface PingEndpoint {
  /** Where this ping runs, e.g. "local", "cloudrun", "gke". Becomes the `source` tag. */
  source: string;
  /** Base URL of ping, e.g. "https://127.0.0.1:40123" (no trailing slash). */
  url: string;
  /** True when the runner must send an ID token (audience = url) to reach ping itself. */
  private: boolean;
}

/** One source → target pair: ping at `source` calls `target` (a name on its allow-list). */
export interface MeasuredPair {
  source: string;
  /** Allow-list name at that ping, e.g. "pong-sec". */
  target: string;
  /** The target's URL as ping calls it (for run.json; ping resolves it by name). */
  targetUrl: string;
  /** Platform the target runs on. */
  targetPlatform: string;
  /** The security layer on this hop: id-token (Cloud Run invoker), mesh-mtls (Istio), none. */
  auth: AuthMode;
  /** What ping sends as `auth=`: whether ping fetches and sends an ID token. */
  pingAuth: 'id-token' | 'none';
}

/** A target the runner calls itself (the `direct` scenario, e.g. GKE ping behind its load balancer). */
export interface DirectTarget {
  name: string;
  url: string;
  platform: string;
  auth: AuthMode;
  /** True when the runner must send an ID token (audience = url origin). */
  private: boolean;
}

export interface ResolvedPlatform {
  platform: PlatformName;
  pings: PingEndpoint[];
  pairs: MeasuredPair[];
  direct: DirectTarget[];
  /** PEM file of a CA the runner must trust (the local platform's run CA), if any. */
  caFile?: string;
  /**
   * Settings that make runs comparable or not (region, cpu, memory, mesh mode, min instances…),
   * copied into run.json so reports can warn when compared runs differ.
   */
  settings: Record<string, string | number | boolean | null>;
  /** Releases what resolving started (local: stops its processes; cloud: nothing). */
  stop(): Promise<void>;
}
