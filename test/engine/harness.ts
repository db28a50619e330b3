// End-to-end helpers for `s2s run`: a pong server like the fixture's (port 0), the CLI as a real
// process, and scripts written to a temp folder.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURES = path.resolve(ROOT, 'test/fixtures/k6-v1.3.0');
export const REFERENCE_JS = path.join(FIXTURES, 'reference.js');

/** The fixture's pong.mjs logic: 403 when the URL asks for it, else 200 with inner_ms 1.25. */
export async function startPong(): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const code = (req.url ?? '').includes('status=403') ? 403 : 200;
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: code === 200, inner_ms: 1.25 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  result: Promise<CliResult>;
  /** Resolves when stdout has contained `text`. */
  waitFor(text: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `s2s run …` as a real process (bin/s2s.mjs through tsx). */
export function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/s2s.mjs'), 'run', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const w of waiters.splice(0)) {
      if (stdout.includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    result,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void result.then(() => reject(new Error(`s2s run ended before printing ${JSON.stringify(text)}\nstdout:\n${stdout}\nstderr:\n${stderr}`)));
      }),
    kill: (signal) => child.kill(signal),
  };
}

export function runCli(args: string[], env?: Record<string, string>): Promise<CliResult> {
  return startCli(args, env).result;
}

const scriptDirs: string[] = [];
// Registered by importing this module: the folders writeScript made go when the test file ends, passed or not.
afterAll(async () => {
  await Promise.all(scriptDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes a script into a new temp folder (removed after the test file); returns its path and the folder. */
export async function writeScript(name: string, code: string): Promise<{ script: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 's2s-run-'));
  scriptDirs.push(dir);
  const script = path.join(dir, name);
  await writeFile(script, code);
  return { script, dir };
}
