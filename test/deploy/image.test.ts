// The image recipe without Docker: app/Dockerfile's own esbuild command bundles app/server.ts into one file
// that starts on the PORT it is given and answers /healthz; the runtime stage is distroless and non-root;
// deploy/cloudbuild.yaml builds that Dockerfile and pushes the image deploy asks for.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../src/platforms/deploy/context.ts';

const dockerfile = readFileSync(join(REPO_ROOT, 'app', 'Dockerfile'), 'utf8');
const out = mkdtempSync(join(tmpdir(), 's2s-image-'));
let server: ChildProcess | null = null;

afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(out, { recursive: true, force: true });
});

function run(command: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('app/Dockerfile', () => {
  it('is multi-stage with a distroless, non-root Node 20 runtime that runs the bundle', () => {
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms).toEqual(['node:20-bookworm-slim', 'gcr.io/distroless/nodejs20-debian12:nonroot']);
    expect(dockerfile).toMatch(/^USER nonroot$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/dist\/server.mjs \.\/server.mjs$/m);
    expect(dockerfile).toMatch(/^CMD \["server.mjs"\]$/m);
  });

  it("its esbuild step bundles app/server.ts into one file that honours PORT and answers /healthz", async () => {
    const run_ = /^RUN (npx esbuild [\s\S]*?[^\\])$/m.exec(dockerfile.replace(/\\\n\s*/g, ' '));
    expect(run_).not.toBeNull();
    const bundle = join(out, 'server.mjs');
    const built = await run(run_![1]!.replace('--outfile=dist/server.mjs', `--outfile=${bundle}`));
    expect(built.stderr).not.toMatch(/error/i);
    expect(built.code).toBe(0);

    server = spawn(process.execPath, [bundle], { env: { PATH: process.env['PATH'], PORT: '0', HOST: '127.0.0.1', SERVICE_NAME: 'pong-unsec' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = createInterface({ input: server.stdout! });
    const url = await new Promise<string>((resolve, reject) => {
      lines.on('line', (line) => {
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(line);
        if (m) resolve(m[1]!);
      });
      server!.on('exit', (code) => reject(new Error(`the bundle exited with code ${code} before listening`)));
    });
    expect(url).not.toMatch(/:8080$/);
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });
});

describe('deploy/cloudbuild.yaml', () => {
  const text = readFileSync(join(REPO_ROOT, 'deploy', 'cloudbuild.yaml'), 'utf8');
  it('opens with PREREQUISITES and USAGE, builds app/Dockerfile and pushes ${_IMAGE}', () => {
    expect(text.indexOf('PREREQUISITES')).toBeGreaterThan(0);
    expect(text.indexOf('USAGE')).toBeGreaterThan(text.indexOf('PREREQUISITES'));
    const doc = parse(text) as { steps: Array<{ name: string; args: string[] }>; images: string[] };
    expect(doc.steps[0]!.name).toBe('gcr.io/cloud-builders/docker');
    expect(doc.steps[0]!.args).toEqual(['build', '--file', 'app/Dockerfile', '--tag', '${_IMAGE}', '.']);
    expect(doc.images).toEqual(['${_IMAGE}']);
  });
});
