// Measures the runtime's request rate (not a test): `npx tsx src/engine/runtime/throughput.bench.ts [vus] [seconds]`.
// Drives Program/VU in closed loops against a trivial Node pong in its own process, for an async script
// (http.asyncRequest) and a blocking one (http.get), then the whole `s2s run` pipeline (scheduler included) with VUs
// on the main thread and in worker threads, and wrk and autocannon on the same pong for reference.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MetricRegistry } from '../../results/metrics.ts';
import { loadProgram, type LoadOptions } from './program.ts';
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

async function measure(name: string, body: string, url: string, placement: Pick<LoadOptions, 'vuPlacement' | 'vusPerThread'> = {}): Promise<number> {
  const file = writeScript(`${name}.js`, `import http from 'k6/http';\n${body}`);
  const registry = new MetricRegistry();
  const program = await loadProgram(file, { env: { URL: url }, registry, onAbort: () => {}, log: () => {}, ...placement });
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
  console.log(`${name.padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s  (${iterations} iterations, ${VUS} VUs${placement.vusPerThread ? `, ${placement.vusPerThread} VUs/thread` : ''}; VUs added ${vuMiB.toFixed(0)} MiB RSS)`);
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

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The full pipeline: `s2s run` in its own process; req/s from --summary-export. */
function s2sRun(name: string, body: string, url: string, placement: string): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-throughput-'));
  const script = path.join(dir, 'script.js');
  fs.writeFileSync(script, `import http from 'k6/http';\nexport const options = { vus: ${VUS}, duration: '${SECONDS}s' };\n${body}\n`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/s2s.mjs'), 'run', '-q', '--no-summary', '--summary-export', path.join(dir, 's.json'), '-e', `URL=${url}`, script],
    { encoding: 'utf8', env: { ...process.env, S2S_VU_PLACEMENT: placement }, timeout: (SECONDS + 120) * 1000 });
  let rps = NaN;
  try {
    const sum = JSON.parse(fs.readFileSync(path.join(dir, 's.json'), 'utf8')) as { metrics: Record<string, { rate?: number }> };
    rps = sum.metrics['http_reqs']?.rate ?? NaN;
  } catch {
    process.stderr.write(`${name}: no summary (exit ${r.status}): ${r.stderr.slice(0, 500)}\n`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`${name.padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s  (s2s run, ${VUS} VUs, ${SECONDS}s, S2S_VU_PLACEMENT=${placement})`);
  return rps;
}

function autocannon(url: string): number {
  const r = spawnSync(path.join(ROOT, 'node_modules/.bin/autocannon'), ['-c', String(VUS), '-d', String(SECONDS), '-j', url], { encoding: 'utf8' });
  let rps = NaN;
  try {
    rps = (JSON.parse(r.stdout) as { requests: { average: number } }).requests.average;
  } catch {
    /* not installed: NaN */
  }
  console.log(`${('autocannon -c' + VUS).padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s`);
  return rps;
}

const pong = await startPong();
try {
  const wrk = spawnSync('wrk', ['-t', String(Math.min(2, VUS)), '-c', String(VUS), '-d', `${SECONDS}s`, pong.url], { encoding: 'utf8' });
  const wrkRps = Number(/Requests\/sec:\s*([\d.]+)/.exec(wrk.stdout ?? '')?.[1] ?? NaN);
  console.log(`${'wrk -c' + VUS}`.padEnd(28), `${wrkRps.toFixed(0).padStart(7)} req/s`);
  const ac = autocannon(pong.url);
  const plain = await plainNode(pong.url);
  const async = `export default async function () { await http.asyncRequest('GET', __ENV.URL); }`;
  const a = await measure('async (main thread)', async, pong.url);
  const w = await measure('async (threads, 32/thread)', async, pong.url, { vuPlacement: 'threads' });
  const t = await measure('async (1 thread)', async, pong.url, { vuPlacement: 'threads', vusPerThread: VUS });
  const s = await measure('sync http.get (threads)', `export default function () { http.get(__ENV.URL); }`, pong.url);
  const ra = s2sRun('s2s run async (main)', async, pong.url, 'main');
  const rt = s2sRun('s2s run async (threads)', async, pong.url, 'threads');
  const rs = s2sRun('s2s run sync http.get', `export default function () { http.get(__ENV.URL); }`, pong.url, 'auto');
  const x = (v: number): string => `${(v / wrkRps).toFixed(2)}x`;
  console.log(`s2s run / wrk: async main ${x(ra)}, async threads ${x(rt)}, sync ${x(rs)}; autocannon ${x(ac)}`);
  console.log(`runtime only / wrk: async main ${(a / wrkRps).toFixed(2)}x, async threads ${(w / wrkRps).toFixed(2)}x, async 1 thread ${(t / wrkRps).toFixed(2)}x, sync ${(s / wrkRps).toFixed(2)}x, plain node ${(plain / wrkRps).toFixed(2)}x`);
} finally {
  pong.stop();
  cleanScripts();
}
