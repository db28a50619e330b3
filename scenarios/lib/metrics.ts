// The contract's custom metrics as k6 objects (created in the init context, as k6 requires), exposed as a
// MetricSink for record.ts.
import { Counter, Rate, Trend } from 'k6/metrics';
import type { MetricSink } from './record.ts';

const latency = new Trend('s2s_latency_ms', true);
const first = new Trend('s2s_first_ms', true);
const token = new Trend('s2s_token_ms', true);
const dns = new Trend('s2s_dns_ms', true);
const connect = new Trend('s2s_connect_ms', true);
const tls = new Trend('s2s_tls_ms', true);
const ttfb = new Trend('s2s_ttfb_ms', true);
const errors = new Rate('s2s_errors');
const calls = new Counter('s2s_calls');
const cold = new Rate('s2s_first_cold');

export const k6Sink: MetricSink = {
  latency: (v, tags) => latency.add(v, tags),
  first: (v, tags) => first.add(v, tags),
  token: (v, tags) => token.add(v, tags),
  dns: (v, tags) => dns.add(v, tags),
  connect: (v, tags) => connect.add(v, tags),
  tls: (v, tags) => tls.add(v, tags),
  ttfb: (v, tags) => ttfb.add(v, tags),
  error: (failed, tags) => errors.add(failed, tags),
  calls: (n, tags) => calls.add(n, tags),
  cold: (isCold, tags) => cold.add(isCold, tags),
};
