// HTTPS through the runtime: an untrusted CA fails with k6's error code, insecureSkipTLSVerify and
// NODE_EXTRA_CA_CERTS (in a child process: Node reads it at start-up) both make it pass, with TLS timings.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRunCa, issueServerCert } from '../../platforms/local/ca.ts';
import { cleanScripts, harness, writeScript } from './test-support.ts';

let dir: string;
let caFile: string;
let server: https.Server;
let base: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-runtime-tls-'));
  const ca = await createRunCa(dir);
  const cert = await issueServerCert(ca, ['127.0.0.1', 'localhost']);
  caFile = ca.certFile;
  server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('secure');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  fs.rmSync(dir, { recursive: true, force: true });
  cleanScripts();
});

const SCRIPT = (insecure: boolean) => `import http from 'k6/http';
  export const options = { insecureSkipTLSVerify: ${insecure} };
  export default function () {
    const a = http.get(__ENV.BASE + '/');
    const b = http.get(__ENV.BASE + '/');
    console.log(JSON.stringify({ status: a.status, code: a.error_code, body: a.body, tls: a.tls_version,
      firstTls: a.timings.tls_handshaking, secondTls: b.timings.tls_handshaking, secondConnect: b.timings.connecting }));
  }`;

it('an untrusted certificate fails with error_code 1310', async () => {
  const h = await harness(writeScript('tls-strict.js', SCRIPT(false)), { env: { BASE: base } });
  try {
    await h.iterate();
    const out = JSON.parse(h.logs.find((l) => l.level === 'info')!.msg) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 0, code: 1310 });
    expect(h.of('http_reqs')[0]!.tags['error_code']).toBe('1310');
  } finally {
    await h.close();
  }
});

it('insecureSkipTLSVerify connects, times the handshake once, and tags tls_version', async () => {
  const h = await harness(writeScript('tls-insecure.js', SCRIPT(true)), { env: { BASE: base } });
  try {
    await h.iterate();
    const out = JSON.parse(h.logs.find((l) => l.level === 'info')!.msg) as Record<string, number | string>;
    expect(out).toMatchObject({ status: 200, code: 0, body: 'secure', secondTls: 0, secondConnect: 0 });
    expect(out['firstTls']).toBeGreaterThan(0);
    expect(h.of('http_reqs')[0]!.tags['tls_version']).toMatch(/^tls1\.[23]$/);
  } finally {
    await h.close();
  }
});

it('NODE_EXTRA_CA_CERTS is trusted in the VU threads', async () => {
  const script = writeScript('tls-extra-ca.js', SCRIPT(false));
  const driver = writeScript('tls-driver.mts', `
    import { MetricRegistry } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../results/metrics.ts'))};
    import { loadProgram } from ${JSON.stringify(path.resolve(import.meta.dirname, 'program.ts'))};
    const p = await loadProgram(${JSON.stringify(script)}, { env: { BASE: ${JSON.stringify(base)} }, registry: new MetricRegistry(), onAbort: () => {}, log: (_l, m) => console.log(m) });
    const vu = await p.createVU(1, 1);
    await vu.runIteration({ scenario: { name: 'default', executor: 'x', startTimeMs: 0, iterationInInstance: 0, iterationInTest: 0, progress: 0 },
      iterationInScenario: 0, tags: {}, env: {}, exec: 'default', signal: new AbortController().signal });
    await p.close();`);
  // Asynchronous: the server lives in this process and must keep answering while the child runs.
  const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', driver], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, encoding: 'utf8', timeout: 50_000, cwd: path.resolve(import.meta.dirname, '../../..'),
  });
  expect(r.stderr).not.toMatch(/Error/);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  expect(JSON.parse(line ?? '{}')).toMatchObject({ status: 200, body: 'secure' });
});

it('a new connection does a full TLS handshake, never a resumed session (as real k6 v1.3.0)', async () => {
  const resumed: boolean[] = [];
  const onSecure = (socket: import('node:tls').TLSSocket) => resumed.push(socket.isSessionReused());
  server.on('secureConnection', onSecure);
  // Connection: close ends each connection, so each request opens a new one.
  const script = writeScript('tls-no-resume.js', `import http from 'k6/http';
    export const options = { insecureSkipTLSVerify: true };
    export default function () {
      for (let i = 0; i < 3; i++) http.get(__ENV.BASE + '/', { headers: { Connection: 'close' } });
    }`);
  const h = await harness(script, { env: { BASE: base } });
  try {
    await h.iterate();
    expect(h.of('http_req_tls_handshaking').map((s) => s.value > 0)).toEqual([true, true, true]);
    expect(resumed).toEqual([false, false, false]);
  } finally {
    server.off('secureConnection', onSecure);
    await h.close();
  }
});
