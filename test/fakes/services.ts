// Stand-ins for the deployed services the smoke check calls, on 127.0.0.1 port 0: Cloud Run ping, pong-sec
// (refuses every caller but ping, like Cloud Run's invoker check) and pong-unsec under one origin, and GKE ping
// at the root of another (its "load balancer address" is host:port). Knobs break the security layer on purpose.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServiceKnobs {
  /** Cloud Run pong-sec answers 200 to anyone (an allUsers invoker left behind). */
  pongSecOpen: boolean;
  /** pong-sec refuses ping too (ping-sa's invoker binding or the mesh policy is missing). */
  pingRefused: boolean;
}

export interface FakeServices {
  /** Base URLs as Cloud Run reports them. */
  urls: { ping: string; 'pong-sec': string; 'pong-unsec': string };
  /** GKE ping's "load balancer address": `host:port`, so `http://<it>/ping` reaches it. */
  lbIp: string;
  knobs: ServiceKnobs;
  /** Requests seen, "METHOD path auth=<none|bearer>" (never the token itself). */
  seen: string[];
  close(): Promise<void>;
}

function pingResult(refused: boolean): string {
  return JSON.stringify({
    schemaVersion: 1,
    target: 'pong-sec',
    calls: 1,
    first: refused ? { status: 403, errorCode: null } : { status: 200, errorCode: null },
    errors: refused ? { total: 1, byStatus: { '403': 1 }, byCode: {} } : { total: 0, byStatus: {}, byCode: {} },
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startFakeServices(): Promise<FakeServices> {
  const knobs: ServiceKnobs = { pongSecOpen: false, pingRefused: false };
  const seen: string[] = [];
  const handler = (prefix: string) =>
    createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${req.method} ${prefix}${url.pathname}${url.search} auth=${req.headers.authorization ? 'bearer' : 'none'}`);
      const send = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain' });
        res.end(body);
      };
      if (url.pathname === '/ping' || url.pathname === '/cloudrun/ping/ping') return send(200, pingResult(knobs.pingRefused));
      if (url.pathname === '/cloudrun/pong-sec/pong') return knobs.pongSecOpen ? send(200, 'pong\n') : send(403, 'Forbidden\n');
      if (url.pathname === '/cloudrun/pong-unsec/pong') return send(200, 'pong\n');
      return send(404, 'not found\n');
    });
  const cloudRun = handler('cloudrun:');
  const gke = handler('gke:');
  const cr = await listen(cloudRun);
  const lbIp = await listen(gke);
  return {
    urls: { ping: `http://${cr}/cloudrun/ping`, 'pong-sec': `http://${cr}/cloudrun/pong-sec`, 'pong-unsec': `http://${cr}/cloudrun/pong-unsec` },
    lbIp,
    knobs,
    seen,
    close: async () => {
      for (const s of [cloudRun, gke]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
