// The dashboard's panels, in page order: one list for the live page, the export and the tests, so
// "the same panels" is true by construction.

export interface PanelSpec {
  /** `data-panel` attribute of the panel's figure. */
  id: string;
  title: string;
}

export const PANELS: readonly PanelSpec[] = [
  { id: 'requests', title: 'Request rate (http_reqs per second)' },
  { id: 'vus', title: 'Virtual users' },
  { id: 'iterations', title: 'Iterations and dropped iterations per second' },
  { id: 'http-req-duration', title: 'http_req_duration p50 / p90 / p95 / p99 (the outer hop)' },
  { id: 'latency-per-target', title: 's2s_latency_ms p50 / p95 / p99 per target (warm inner calls)' },
  { id: 'phases', title: 'First-call phases per target (mean)' },
  { id: 'errors', title: 'Errors per target' },
  { id: 'thresholds', title: 'Thresholds and their live verdicts' },
];

/** The first-call phases, in the order they happen (the report's order and labels). */
export const PHASE_METRICS = [
  { metric: 's2s_token_ms', label: 'token' },
  { metric: 's2s_dns_ms', label: 'DNS' },
  { metric: 's2s_connect_ms', label: 'connect' },
  { metric: 's2s_tls_ms', label: 'TLS' },
  { metric: 's2s_ttfb_ms', label: 'TTFB' },
] as const;
