// Test helper: small real servers on 127.0.0.1:0 — the service app in-process, and a counting
// server that proves whether a request was (not) made.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App, type AppDeps } from '../app.ts';
import { configFrom } from '../config.ts';

export interface Running {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

export async function listen(handler: http.RequestListener): Promise<Running> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The service app in-process, with logs captured. */
export async function startApp(env: Record<string, string>, deps: AppDeps = {}): Promise<Running & { app: App; logs: string[] }> {
  const logs: string[] = [];
  const app = createApp(configFrom(env), { log: (r) => logs.push(JSON.stringify(r)), ...deps });
  const running = await listen(app.handle);
  app.listening(running.url);
  return { ...running, app, logs };
}

/** Counts every request it gets (any path) and answers 200. */
export async function startCounter(): Promise<Running & { count: () => number }> {
  let n = 0;
  const running = await listen((_req, res) => {
    n++;
    res.end('counted');
  });
  return { ...running, count: () => n };
}
