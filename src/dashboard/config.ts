// k6's web dashboard switches (K6_WEB_DASHBOARD_*), parsed once from the environment with k6's defaults,
// so `s2s run` and the scenario runner take the very same variables as `k6 run`. Do not mutate DEFAULTS.
import { parseDurationMs } from '../results/thresholds.ts';

export interface DashboardConfig {
  /** K6_WEB_DASHBOARD: run the dashboard at all. */
  enabled: boolean;
  /** K6_WEB_DASHBOARD_HOST: interface the live page listens on. */
  host: string;
  /** K6_WEB_DASHBOARD_PORT: TCP port of the live page; 0 = any free port; -1 = no server (export only). */
  port: number;
  /** K6_WEB_DASHBOARD_PERIOD: width of one aggregation period (one update of the page), ms. */
  periodMs: number;
  /** K6_WEB_DASHBOARD_OPEN: open the live page in the default browser (never waited for). */
  open: boolean;
  /** K6_WEB_DASHBOARD_EXPORT: where the self-contained HTML export goes at the end (null: none). */
  exportPath: string | null;
}

export const DASHBOARD_DEFAULTS: Readonly<DashboardConfig> = Object.freeze({
  enabled: false,
  host: '127.0.0.1',
  port: 5665,
  periodMs: 10_000,
  open: false,
  exportPath: null,
});

/** The variables, in the order the help lists them. */
export const DASHBOARD_ENV = ['K6_WEB_DASHBOARD', 'K6_WEB_DASHBOARD_HOST', 'K6_WEB_DASHBOARD_PORT', 'K6_WEB_DASHBOARD_PERIOD', 'K6_WEB_DASHBOARD_OPEN', 'K6_WEB_DASHBOARD_EXPORT'] as const;

/** A bad K6_WEB_DASHBOARD_* value: the message names the variable, the value and what is allowed. */
export class DashboardConfigError extends Error {
  override name = 'DashboardConfigError';
}

/** The shortest period accepted: below it a browser redraws faster than it can paint. */
const MIN_PERIOD_MS = 100;

function bool(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new DashboardConfigError(`${name}=${JSON.stringify(raw)} is not a boolean: use true or false`);
}

/** Reads K6_WEB_DASHBOARD_* (unset or empty = k6's default). Throws DashboardConfigError naming the variable. */
export function dashboardConfigFromEnv(env: Readonly<Record<string, string | undefined>>): DashboardConfig {
  const c: DashboardConfig = { ...DASHBOARD_DEFAULTS };
  c.enabled = bool('K6_WEB_DASHBOARD', env.K6_WEB_DASHBOARD, c.enabled);
  const host = env.K6_WEB_DASHBOARD_HOST;
  if (host !== undefined && host !== '') {
    if (/[\s/]/.test(host)) throw new DashboardConfigError(`K6_WEB_DASHBOARD_HOST=${JSON.stringify(host)} is not a host name or address: use e.g. 127.0.0.1, localhost or 0.0.0.0`);
    c.host = host;
  }
  const port = env.K6_WEB_DASHBOARD_PORT;
  if (port !== undefined && port !== '') {
    const n = Number(port);
    if (!/^-?\d+$/.test(port.trim()) || !Number.isInteger(n) || n < -1 || n > 65535) {
      throw new DashboardConfigError(`K6_WEB_DASHBOARD_PORT=${JSON.stringify(port)} is not a port: use 1..65535, 0 for any free port, or -1 for no server (export only)`);
    }
    c.port = n;
  }
  const period = env.K6_WEB_DASHBOARD_PERIOD;
  if (period !== undefined && period !== '') {
    const ms = parseDurationMs(period);
    if (ms === null || ms < MIN_PERIOD_MS) {
      throw new DashboardConfigError(`K6_WEB_DASHBOARD_PERIOD=${JSON.stringify(period)} is not a duration of at least ${MIN_PERIOD_MS}ms: use e.g. 10s, 2s or 500ms`);
    }
    c.periodMs = ms;
  }
  c.open = bool('K6_WEB_DASHBOARD_OPEN', env.K6_WEB_DASHBOARD_OPEN, c.open);
  const exportPath = env.K6_WEB_DASHBOARD_EXPORT;
  if (exportPath !== undefined && exportPath !== '') c.exportPath = exportPath;
  return c;
}

/** `http://host:port/` for a bound address (IPv6 in brackets). */
export function dashboardUrl(host: string, port: number): string {
  // A wildcard address is not something a browser can open: show the loopback one.
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/`;
}
