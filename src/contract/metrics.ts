// The metrics every scenario emits (names and types are part of the contract; see DESIGN.md): the runner
// checks a --threshold against them before anything starts. scenarios/lib/metrics.ts creates them in k6.

export const SCENARIO_METRICS: Readonly<Record<string, 'trend' | 'rate' | 'counter'>> = {
  s2s_latency_ms: 'trend',
  s2s_first_ms: 'trend',
  s2s_token_ms: 'trend',
  s2s_dns_ms: 'trend',
  s2s_connect_ms: 'trend',
  s2s_tls_ms: 'trend',
  s2s_ttfb_ms: 'trend',
  s2s_errors: 'rate',
  s2s_calls: 'counter',
};
