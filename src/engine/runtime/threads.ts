// Starts the runtime's worker threads from their TypeScript entry files: esbuild bundles each entry once per
// process into plain CommonJS, run with `eval: true`, so workers need no TS loader whatever started the parent.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type Transferable } from 'node:worker_threads';
import * as esbuild from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const bundles = new Map<string, Promise<string>>();

function bundleEntry(file: string): Promise<string> {
  let b = bundles.get(file);
  // Started from the cached engine bundle (see ../bundle-cache.mjs): the VU-thread entry is prebuilt beside it.
  const prebuilt = process.env.S2S_VU_WORKER_FILE;
  if (!b && prebuilt) {
    b = Promise.resolve(readFileSync(prebuilt, 'utf8'));
    bundles.set(file, b);
  }
  if (!b) {
    b = esbuild.build({
      entryPoints: [path.join(HERE, file)],
      bundle: true, write: false, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'silent',
      // esbuild must never end up inside a worker: nothing a worker imports needs it.
      external: ['esbuild'],
    }).then((r) => r.outputFiles[0]?.text ?? '');
    bundles.set(file, b);
  }
  return b;
}

export async function startWorker(file: 'vu-worker.ts', workerData?: unknown, transferList?: Transferable[]): Promise<Worker> {
  const code = await bundleEntry(file);
  // execArgv: [] keeps a parent's `--import tsx` (or vitest's flags) out of the worker. S2S_PROFILE_DIR: a CPU
  // profile per VU thread, for the numbers in the runtime README.
  const prof = process.env.S2S_PROFILE_DIR;
  const execArgv = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  return new Worker(code, { eval: true, workerData, execArgv, ...(transferList ? { transferList } : {}) });
}

