import { describe, expect, it } from 'vitest';
import { DASHBOARD_DEFAULTS, dashboardConfigFromEnv, dashboardUrl } from './config.ts';

describe('dashboardConfigFromEnv (k6 switches)', () => {
  it('k6 defaults when nothing is set (empty values count as unset)', () => {
    expect(dashboardConfigFromEnv({})).toEqual({ enabled: false, host: '127.0.0.1', port: 5665, periodMs: 10_000, open: false, exportPath: null });
    expect(dashboardConfigFromEnv({ K6_WEB_DASHBOARD_PORT: '', K6_WEB_DASHBOARD_EXPORT: '' })).toEqual(DASHBOARD_DEFAULTS);
  });

  it('reads every variable', () => {
    expect(
      dashboardConfigFromEnv({
        K6_WEB_DASHBOARD: 'true',
        K6_WEB_DASHBOARD_HOST: '0.0.0.0',
        K6_WEB_DASHBOARD_PORT: '-1',
        K6_WEB_DASHBOARD_PERIOD: '2s',
        K6_WEB_DASHBOARD_OPEN: 'true',
        K6_WEB_DASHBOARD_EXPORT: 'report.html',
      }),
    ).toEqual({ enabled: true, host: '0.0.0.0', port: -1, periodMs: 2000, open: true, exportPath: 'report.html' });
    expect(dashboardConfigFromEnv({ K6_WEB_DASHBOARD_PORT: '0', K6_WEB_DASHBOARD_PERIOD: '1m30s' })).toMatchObject({ port: 0, periodMs: 90_000 });
  });

  it.each([
    ['K6_WEB_DASHBOARD', 'yes please', /K6_WEB_DASHBOARD="yes please" is not a boolean: use true or false/],
    ['K6_WEB_DASHBOARD_PORT', '70000', /K6_WEB_DASHBOARD_PORT="70000" is not a port: use 1\.\.65535, 0 for any free port, or -1/],
    ['K6_WEB_DASHBOARD_PORT', 'http', /K6_WEB_DASHBOARD_PORT="http"/],
    ['K6_WEB_DASHBOARD_PERIOD', '10', /K6_WEB_DASHBOARD_PERIOD="10" is not a duration of at least 100ms: use e\.g\. 10s/],
    ['K6_WEB_DASHBOARD_PERIOD', '50ms', /at least 100ms/],
    ['K6_WEB_DASHBOARD_OPEN', 'maybe', /K6_WEB_DASHBOARD_OPEN="maybe"/],
    ['K6_WEB_DASHBOARD_HOST', 'http://x', /K6_WEB_DASHBOARD_HOST="http:\/\/x" is not a host name or address/],
  ])('%s=%s is refused, naming the variable, the value and what is allowed', (name, value, message) => {
    expect(() => dashboardConfigFromEnv({ [name]: value })).toThrow(message);
  });

  it.each([
    ['127.0.0.1', 5665, 'http://127.0.0.1:5665/'],
    ['0.0.0.0', 80, 'http://127.0.0.1:80/'],
    ['::1', 1, 'http://[::1]:1/'],
    ['::', 2, 'http://[::1]:2/'],
    ['localhost', 3, 'http://localhost:3/'],
  ])('dashboardUrl(%s, %d) = %s', (host, port, url) => {
    expect(dashboardUrl(host, port)).toBe(url);
  });
});
