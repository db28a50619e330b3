// Measures the runtime's request rate (not a test): `npx tsx src/engine/runtime/throughput.bench.ts [vus] [seconds]`.
// Drives Program/VU in closed loops against a trivial Node pong in its own process, for an async script
// (http.asyncRequest) and a blocking one (http.get), and runs wrk on the same pong for reference.
import { spawn, spawnSync } from 'node:child_process';
import { MetricRegistry } from '../../results/metrics.ts';
import { loadProgram } from './program.ts';
import { writeScript, cleanScripts } from './test-support.ts';

const VUS = Number(process.argv[2] ?? 64);
const SECONDS = Number(process.argv[3] ?? 5);

const PONG = `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{"ok":true}'); })
  .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

async function startPong(): Promise<{ url: string; stop: () => void }> {
  const p = spawn(process.execPath, ['-e', PONG], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => p.stdout.once('data', (d: Buffer) => resolve(String(d).trim())));
  return { url: `http://127.0.0.1:${port}/pong`, stop: () => p.kill() };
}

async function measure(name: string, body: string, url: string, vusPerThread?: number): Promise<number> {
  const file = writeScript(`${name}.js`, `import http from 'k6/http';\n${body}`);
  const registry = new MetricRegistry();
  const program = await loadProgram(file, { env: { URL: url }, registry, onAbort: () => {}, log: () => {}, ...(vusPerThread ? { vusPerThread } : {}) });
  const rss0 = process.memoryUsage().rss;
  const vus = await Promise.all(Array.from({ length: VUS }, (_, i) => program.createVU(i + 1, i + 1)));
  const vuMiB = (process.memoryUsage().rss - rss0) / 2 ** 20;
  const stop = new AbortController();
  let running = true;
  const started = performance.now();
  let iterations = 0;
  const loop = async (vu: (typeof vus)[number]) => {
    while (running) {
      await vu.runIteration({ scenario: { name: 'bench', executor: 'constant-vus', startTimeMs: 0, iterationInInstance: 0, iterationInTest: 0, progress: 0 },
        iterationInScenario: 0, tags: {}, env: {}, exec: 'default', signal: stop.signal });
      iterations++;
    }
  };
  const loops = vus.map(loop);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  running = false;
  await Promise.all(loops);
  const elapsedS = (performance.now() - started) / 1000;
  const reqs = registry.get('http_reqs')?.sink.aggregate('count', 1) ?? 0;
  await program.close();
  const rps = reqs / elapsedS;
  console.log(`${name.padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s  (${iterations} iterations, ${VUS} VUs${vusPerThread ? `, ${vusPerThread} VUs/thread` : ''}; VUs added ${vuMiB.toFixed(0)} MiB RSS)`);
  return rps;
}

/** The ceiling for any Node client here: bare node:http keep-alive loops in this one thread, no runtime. */
async function plainNode(url: string): Promise<number> {
  const http = await import('node:http');
  let running = true;
  let n = 0;
  const started = performance.now();
  const loops = Array.from({ length: VUS }, async () => {
    const agent = new http.Agent({ keepAlive: true });
    while (running) {
      await new Promise<void>((resolve) => http.get(url, { agent }, (r) => { r.resume(); r.on('end', () => resolve()); }));
      n++;
    }
    agent.destroy();
  });
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  running = false;
  await Promise.all(loops);
  const rps = n / ((performance.now() - started) / 1000);
  console.log(`${'plain node:http, 1 thread'.padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s`);
  return rps;
}

const pong = await startPong();
try {
  const wrk = spawnSync('wrk', ['-t', String(Math.min(2, VUS)), '-c', String(VUS), '-d', `${SECONDS}s`, pong.url], { encoding: 'utf8' });
  const wrkRps = Number(/Requests\/sec:\s*([\d.]+)/.exec(wrk.stdout ?? '')?.[1] ?? NaN);
  console.log(`${'wrk -c' + VUS}`.padEnd(28), `${wrkRps.toFixed(0).padStart(7)} req/s`);
  const plain = await plainNode(pong.url);
  const a = await measure('async-asyncRequest', `export default async function () { await http.asyncRequest('GET', __ENV.URL); }`, pong.url);
  const s = await measure('sync-http.get', `export default function () { http.get(__ENV.URL); }`, pong.url);
  const t = await measure('async-1-thread', `export default async function () { await http.asyncRequest('GET', __ENV.URL); }`, pong.url, VUS);
  console.log(`ratio to wrk: async ${(a / wrkRps).toFixed(2)}x, async 1 thread ${(t / wrkRps).toFixed(2)}x, sync ${(s / wrkRps).toFixed(2)}x, plain node ${(plain / wrkRps).toFixed(2)}x`);
} finally {
  pong.stop();
  cleanScripts();
}
