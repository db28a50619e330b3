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

export function defaultThresholds(platform: PlatformName): Record<string, string[]> {
  return Object.fromEntries(Object.entries(DEFAULT_THRESHOLDS[platform]).map(([k, v]) => [k, [...v]]));
}
