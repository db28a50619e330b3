// Default thresholds per platform, in k6 syntax: the gate `npm run scenario:<platform>` passes or fails on.
// `--threshold 'metric{tag:v}=p(95)<20'` adds to or overrides these (see thresholds.ts). Do not mutate.
import type { PlatformName } from '../platforms/types.ts';

export type ThresholdMap = Readonly<Record<string, readonly string[]>>;

/**
 * Why these numbers: the local platform runs everything on one loaded 2-core host over real HTTPS, where a
 * warm call is ~1 ms but scheduling hiccups reach tens of ms, so its p95 gate is loose and only catches a
 * broken or badly regressed path. Cloud gates follow the post's figures (Cloud Run ≈ 7 ms above GKE, first
 * request ≈ 100 ms with token + TLS) with headroom; cross-platform calls go through a load balancer.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<PlatformName, ThresholdMap>> = Object.freeze({
  local: {
    s2s_errors: ['rate<0.01'],
    s2s_latency_ms: ['p(95)<100'],
    s2s_first_ms: ['p(95)<10000'],
    checks: ['rate>0.99'],
  },
  cloudrun: {
    s2s_errors: ['rate<0.01'],
    s2s_latency_ms: ['p(95)<100'],
    s2s_first_ms: ['p(95)<2000'],
    checks: ['rate>0.99'],
  },
  gke: {
    s2s_errors: ['rate<0.01'],
    s2s_latency_ms: ['p(95)<50'],
    s2s_first_ms: ['p(95)<2000'],
    checks: ['rate>0.99'],
  },
  cross: {
    s2s_errors: ['rate<0.01'],
    s2s_latency_ms: ['p(95)<200'],
    s2s_first_ms: ['p(95)<3000'],
    checks: ['rate>0.99'],
  },
});

/** Share of the requested arrival-rate iterations a load run must deliver to pass `dropped_iterations`. */
export const MIN_DELIVERED = 0.95;

/**
 * Load that was not delivered is not a pass: the `load` scenario also gates on `dropped_iterations` — more than
 * (1 − MIN_DELIVERED) of the requested iterations dropped crosses it (exit 99); a run that dropped none passes.
 */
export function droppedIterationsThreshold(requestedIterations: number): string {
  return `count<=${Math.floor(requestedIterations * (1 - MIN_DELIVERED))}`;
}

export function defaultThresholds(platform: PlatformName, load?: { requestedIterations: number }): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(Object.entries(DEFAULT_THRESHOLDS[platform]).map(([k, v]) => [k, [...v]]));
  if (load) out['dropped_iterations'] = [droppedIterationsThreshold(load.requestedIterations)];
  return out;
}
