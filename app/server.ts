// The service's entry point: loads the config, listens (HTTPS when TLS_CERT_FILE/TLS_KEY_FILE are
// set), prints one JSON "listening" line, and shuts down gracefully on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createApp, defaultLog } from './app.ts';
import { ConfigError, loadConfig, type AppConfig } from './config.ts';

function listenUrl(config: AppConfig, address: AddressInfo): string {
  // An unspecified bind address is reachable on loopback; name that, it is what a client can use.
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '[::1]' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${config.tls ? 'https' : 'http'}://${host}:${address.port}`;
}

async function main(): Promise<void> {
  // A closed stdout/stderr (a reader that went away) must not crash the service: logs are best effort.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let server: http.Server;
  const app = createApp(config);
  if (config.tls) {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(config.tls.certFile);
      key = readFileSync(config.tls.keyFile);
    } catch (err) {
      process.stderr.write(`cannot read TLS_CERT_FILE=${config.tls.certFile} / TLS_KEY_FILE=${config.tls.keyFile}: ${(err as Error).message}\n`);
      process.exit(2);
    }
    server = https.createServer({ cert, key }, app.handle);
  } else {
    server = http.createServer(app.handle);
  }
  // Cloud Run and load balancers keep idle connections open longer than Node's 5 s default.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.maxHeadersCount = 100;
  server.on('error', (err) => {
    process.stderr.write(`${config.serviceName}: cannot listen on ${config.host}:${config.port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const url = listenUrl(config, server.address() as AddressInfo);
    app.listening(url);
    defaultLog({ msg: 'listening', service: config.serviceName, url, pid: process.pid, tls: config.tls !== null, authMode: config.authMode });
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    defaultLog({ msg: 'stopping', service: config.serviceName, signal, activeBatches: app.activeBatches, graceMs: config.shutdownGraceMs });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await app.drain(config.shutdownGraceMs);
    // Answers are written; keep-alive connections that stay open must not hold the exit.
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 1_000);
    force.unref();
    await closed;
    defaultLog({ msg: 'stopped', service: config.serviceName });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
