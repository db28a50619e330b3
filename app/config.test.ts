// Environment parsing: defaults, the PING_TARGETS allow-list, and errors that name the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      tls: null,
      pingTargets: [],
      pingSource: 'local',
      pingMaxCount: 100_000,
      pingMaxSamples: 100_000,
      pingCallTimeoutMs: 5_000,
      pingBatchDeadlineMs: 120_000,
      pingMaxConcurrentBatches: 8,
      pingMaxBatchBytes: 64 * 1024 * 1024,
      authMode: 'none',
      authAudiences: null,
      authIssuers: ['https://accounts.google.com', 'accounts.google.com'],
      authCertsUrl: 'https://www.googleapis.com/oauth2/v3/certs',
      pongDefaultDelayMs: 0,
    });
  });

  it('parses PING_TARGETS into exact origins, /pong by default', () => {
    const c = loadConfig({ PING_TARGETS: 'pong-sec=https://a.run.app, pong-unsec=http://127.0.0.1:8081/ ,deep=https://b.example:8443/x/pong?size=3', PORT: '0' });
    expect(c.port).toBe(0);
    expect(c.pingTargets).toEqual([
      { name: 'pong-sec', origin: 'https://a.run.app', url: 'https://a.run.app/pong' },
      { name: 'pong-unsec', origin: 'http://127.0.0.1:8081', url: 'http://127.0.0.1:8081/pong' },
      { name: 'deep', origin: 'https://b.example:8443', url: 'https://b.example:8443/x/pong?size=3' },
    ]);
  });

  it.each([
    [{ PORT: '70000' }, 'PORT="70000"', '0 to 65535'],
    [{ PING_MAX_COUNT: 'abc' }, 'PING_MAX_COUNT="abc"', 'integer'],
    [{ PING_MAX_BATCH_BYTES: '64MiB' }, 'PING_MAX_BATCH_BYTES="64MiB"', 'integer'],
    [{ PING_CALL_TIMEOUT_MS: '0' }, 'PING_CALL_TIMEOUT_MS="0"', 'from 1'],
    [{ AUTH_MODE: 'iap' }, 'AUTH_MODE="iap"', 'none, id-token'],
    [{ PONG_DEFAULT_DELAY_MS: '-3' }, 'PONG_DEFAULT_DELAY_MS="-3"', '0 to 10000'],
    [{ AUTH_CERTS_URL: 'ftp://x' }, 'AUTH_CERTS_URL="ftp://x"', 'http(s) URL'],
    [{ PING_TARGETS: 'nourl' }, 'PING_TARGETS="nourl"', 'name=https://'],
    [{ PING_TARGETS: 'a=file:///etc/passwd' }, 'PING_TARGETS=', 'not http(s)'],
    [{ PING_TARGETS: 'a=https://u:p@host' }, 'PING_TARGETS=', 'credentials'],
    [{ PING_TARGETS: 'a=https://x,a=https://y' }, 'PING_TARGETS=', 'repeats'],
    [{ TLS_CERT_FILE: '/c.pem' }, 'TLS_CERT_FILE/TLS_KEY_FILE', 'both'],
    [{ AUTH_MODE: 'id-token' }, 'AUTH_ALLOWED_PRINCIPALS', 'at least one'],
  ])('rejects %o naming the variable and what is allowed', (env, named, allowed) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(named);
    expect((err as Error).message).toContain(allowed);
  });
});
