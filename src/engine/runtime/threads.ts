// Starts the runtime's worker threads from their TypeScript entry files: esbuild bundles each entry once per
// process into plain CommonJS, run with `eval: true`, so workers need no TS loader whatever started the parent.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, MessageChannel, type Transferable } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { SyncBridge } from './bridge.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const bundles = new Map<string, Promise<string>>();

function bundleEntry(file: string): Promise<string> {
  let b = bundles.get(file);
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

export async function startWorker(file: 'io-worker.ts' | 'vu-worker.ts', workerData?: unknown, transferList?: Transferable[]): Promise<Worker> {
  const code = await bundleEntry(file);
  // execArgv: [] keeps a parent's `--import tsx` (or vitest's flags) out of the worker.
  return new Worker(code, { eval: true, workerData, execArgv: [], ...(transferList ? { transferList } : {}) });
}

/** The I/O thread that serves blocking calls; `connect()` gives a thread its own bridge to it. */
export class IoThread {
  private constructor(private readonly worker: Worker) {
    worker.unref();
  }
  static async start(): Promise<IoThread> {
    const worker = await startWorker('io-worker.ts');
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    return new IoThread(worker);
  }
  /** Transferable pieces for a bridge living in another thread. */
  channel(): { port: import('node:worker_threads').MessagePort; flag: SharedArrayBuffer } {
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    this.worker.postMessage({ type: 'client', port: port2, flag }, [port2]);
    return { port: port1, flag };
  }
  /** A bridge for the calling thread. */
  connect(): SyncBridge {
    const { port, flag } = this.channel();
    return new SyncBridge(port, flag);
  }
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
