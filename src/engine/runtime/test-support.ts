// Test support for the runtime's tests: a local HTTP server on port 0 with calibrated routes, scripts written to
// a temp folder, and a Program driven directly (no scheduler) with every sample captured.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { MetricRegistry, type Metric, type Tags } from '../../results/metrics.ts';
import { loadProgram, type IterationContext, type LoadOptions, type Program } from './program.ts';

/**
 * Routes (query parameters):
 * | path | what |
 * |---|---|
 * | /echo | JSON {method, url, headers, body} of the request |
 * | /status?code=N | empty response with status N |
 * | /delay?ms=N | 200 after N ms |
 * | /json | a fixed JSON document (see JSON_DOC) |
 * | /bytes?n=N | N bytes 0..255 (application/octet-stream) |
 * | /redirect?to=PATH&code=N | redirect (default 302) |
 * | /barrier?n=N | answers 200 once N requests wait together (504 after 15 s): proves concurrency without timing |
 */
export const JSON_DOC = { a: { b: [10, { c: 'deep' }], 'x.y': 'dotted' }, list: [1, 2, 3], inner_ms: 1.25, flag: true };

export interface TestServer { url: string; close(): Promise<void>; hits: () => number }

export async function startServer(): Promise<TestServer> {
  let hits = 0;
  let waiting: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    hits++;
    const u = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      switch (u.pathname) {
        case '/echo':
          res.writeHead(200, { 'content-type': 'application/json', 'x-custom': 'yes' });
          res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
          return;
        case '/conn':
          // Which connection served this request (its client port) and what the client asked of it.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ port: req.socket.remotePort, connection: req.headers.connection ?? '' }));
          return;
        case '/status':
          res.writeHead(Number(u.searchParams.get('code') ?? 200));
          res.end();
          return;
        case '/delay':
          setTimeout(() => { res.writeHead(200); res.end('late'); }, Number(u.searchParams.get('ms') ?? 0));
          return;
        case '/json':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(JSON_DOC));
          return;
        case '/bytes': {
          const n = Number(u.searchParams.get('n') ?? 0);
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(Buffer.from(Array.from({ length: n }, (_, i) => i % 256)));
          return;
        }
        case '/barrier': {
          const n = Number(u.searchParams.get('n') ?? 2);
          const timer = setTimeout(() => { waiting = waiting.filter((w) => w !== release); res.writeHead(504); res.end(); }, 15_000);
          const release = (): void => { clearTimeout(timer); res.writeHead(200); res.end('together'); };
          waiting.push(release);
          if (waiting.length >= n) {
            const all = waiting;
            waiting = [];
            for (const w of all) w();
          }
          return;
        }
        case '/redirect':
          res.writeHead(Number(u.searchParams.get('code') ?? 302), { location: u.searchParams.get('to') ?? '/echo' });
          res.end();
          return;
        default:
          res.writeHead(404);
          res.end('not found');
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A port with nothing listening (bound then closed). */
export async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

let tmpRoot: string | undefined;
export function writeScript(name: string, source: string): string {
  tmpRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 's2s-runtime-'));
  const file = path.join(tmpRoot, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, source);
  return file;
}
export function cleanScripts(): void {
  if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
  tmpRoot = undefined;
}

export interface Sample { metric: string; type: string; contains: string; value: number; tags: Tags }

export interface Harness {
  program: Program;
  registry: MetricRegistry;
  samples: Sample[];
  logs: Array<{ level: string; msg: string }>;
  aborts: string[];
  /** Runs `exec` once on a fresh-or-given VU and returns the outcome. */
  iterate(exec?: string, opts?: { vu?: Awaited<ReturnType<Program['createVU']>>; scenario?: string; tags?: Record<string, string>; signal?: AbortSignal; env?: Record<string, string> }): Promise<{ ok: boolean; error?: string; interrupted: boolean }>;
  of(metric: string): Sample[];
  close(): Promise<void>;
}

export async function harness(scriptPath: string, extra: Partial<LoadOptions> = {}): Promise<Harness> {
  const registry = new MetricRegistry();
  const samples: Sample[] = [];
  registry.onSample((m: Metric, value: number, tags: Tags) => samples.push({ metric: m.name, type: m.type, contains: m.contains, value, tags }));
  const logs: Harness['logs'] = [];
  const aborts: string[] = [];
  const program = await loadProgram(scriptPath, {
    env: {}, registry, onAbort: (r) => aborts.push(r), log: (level, msg) => logs.push({ level, msg }), ...extra,
  });
  let n = 0;
  let defaultVu: Awaited<ReturnType<Program['createVU']>> | undefined;
  return {
    program, registry, samples, logs, aborts,
    async iterate(exec = 'default', o = {}) {
      const vu = o.vu ?? (defaultVu ??= await program.createVU(1, 1));
      const ctx: IterationContext = {
        scenario: { name: o.scenario ?? 'default', executor: 'per-vu-iterations', startTimeMs: Date.now(), iterationInInstance: n, iterationInTest: n, progress: 0 },
        iterationInScenario: n, tags: o.tags ?? {}, env: o.env ?? {}, exec, signal: o.signal ?? new AbortController().signal,
      };
      n++;
      return vu.runIteration(ctx);
    },
    of: (metric) => samples.filter((s) => s.metric === metric),
    close: () => program.close(),
  };
}
