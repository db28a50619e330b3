// Entry of the I/O thread that performs blocking HTTP calls for every VU thread (see bridge.ts), with one
// keep-alive agent pool per VU so connection reuse matches k6's per-VU connections.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { AgentPool, performRequest } from './client.ts';
import type { BridgeRequest, BridgeResponse } from './bridge.ts';

const pools = new Map<string, AgentPool>();
function poolFor(vuKey: string): AgentPool {
  let p = pools.get(vuKey);
  if (!p) {
    p = new AgentPool();
    pools.set(vuKey, p);
  }
  return p;
}

function attach(port: MessagePort, flagBuffer: SharedArrayBuffer): void {
  const flag = new Int32Array(flagBuffer);
  port.on('message', (req: BridgeRequest) => {
    const pool = poolFor(req.vuKey);
    Promise.all(req.specs.map((s) => performRequest(s, pool)))
      .then((results): BridgeResponse => ({ ok: true, results }), (err: unknown): BridgeResponse => ({ ok: false, error: String(err) }))
      .then((res) => {
        port.postMessage(res);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      });
  });
}

parentPort?.on('message', (msg: { type: 'client'; port: MessagePort; flag: SharedArrayBuffer } | { type: 'close' }) => {
  if (msg.type === 'client') attach(msg.port, msg.flag);
  else if (msg.type === 'close') {
    for (const p of pools.values()) p.destroy();
    pools.clear();
    process.exit(0);
  }
});
