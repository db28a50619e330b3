// Blocking HTTP for synchronous k6 calls (http.get, http.batch …): the calling thread posts the request to the
// I/O thread and parks in Atomics.wait; the I/O thread performs it on its own event loop, posts the result and
// wakes the caller, which takes the message synchronously with receiveMessageOnPort. Also sleep().
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { HopResult, RequestSpec } from './client.ts';

export interface BridgeRequest { vuKey: string; specs: RequestSpec[] }
export type BridgeResponse = { ok: true; results: HopResult[][] } | { ok: false; error: string };

/** One per thread: a thread makes at most one blocking call at a time. */
export class SyncBridge {
  private readonly flag: Int32Array;
  constructor(private readonly port: MessagePort, flagBuffer: SharedArrayBuffer) {
    this.flag = new Int32Array(flagBuffer);
    port.unref?.();
  }

  request(vuKey: string, specs: RequestSpec[]): HopResult[][] {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ vuKey, specs } satisfies BridgeRequest);
    // The I/O thread enforces every request's own timeout; this bound only guards against a dead I/O thread.
    const limitMs = Math.max(...specs.map((s) => s.timeoutMs * (s.maxRedirects + 1)), 1000) + 30_000;
    const deadline = Date.now() + limitMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`blocking HTTP call got no answer from the I/O thread within ${limitMs} ms`);
      Atomics.wait(this.flag, 0, 0, left);
      const msg = receiveMessageOnPort(this.port);
      if (msg) {
        const res = msg.message as BridgeResponse;
        if (!res.ok) throw new Error(res.error);
        return res.results;
      }
    }
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/**
 * Blocks this thread (k6's sleep is synchronous): only the VUs that share the thread wait. With a stop cell the
 * main thread can cut the sleep short on a hard stop (it cannot post a message to a blocked thread).
 * Returns false when woken by a stop.
 */
export function sleepSync(ms: number, stopCell?: Int32Array): boolean {
  const cell = stopCell ?? sleepCell;
  if (ms > 0) Atomics.wait(cell, 0, 0, ms);
  return Atomics.load(cell, 0) === 0;
}
