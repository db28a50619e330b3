// runBatch against a real server that sends large bodies nobody asked for: the batch's byte budget
// (PING_MAX_BATCH_BYTES) is enforced on what arrives, not only on `count × size` checked up front.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdTokenCache } from '../src/auth/id-token-cache.ts';
import { runBatch, type BatchOptions, type ClientKind } from './batch.ts';

const BODY = Buffer.alloc(256 * 1024, 0x61);
let server: http.Server;
let base: URL;
let served = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    served++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
    res.end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/pong`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function options(client: ClientKind, maxBytes: number, count: number): BatchOptions {
  return {
    source: 'test',
    targetName: 'big',
    url: base,
    count,
    auth: 'none',
    connection: 'reuse',
    token: 'cached',
    client,
    samples: false,
    maxSamples: 0,
    callTimeoutMs: 5_000,
    deadlineMs: 30_000,
    maxBytes,
    signal: new AbortController().signal,
    tokens: new IdTokenCache({ providerFor: () => Promise.reject(new Error('no token in this test')) }),
  };
}

describe.each<ClientKind>(['raw', 'node'])('runBatch byte budget (client=%s)', (client) => {
  it('stops a batch whose target sends more than maxBytes, counting one BATCH_BYTES_LIMIT error', async () => {
    const before = served;
    // 1 MiB budget, 256 KiB bodies: the 4th or 5th response crosses it (heads count too), never the 100th.
    const { result, firstError } = await runBatch(options(client, 1024 * 1024, 100));
    expect(result.truncated).toBe(true);
    expect(result.calls).toBeGreaterThanOrEqual(4);
    expect(result.calls).toBeLessThanOrEqual(5);
    expect(result.errors.byCode).toEqual({ BATCH_BYTES_LIMIT: 1 });
    expect(firstError).toContain('PING_MAX_BATCH_BYTES=1048576');
    expect(served - before).toBeLessThanOrEqual(5);
  });

  it('lets a batch under the budget run to its count', async () => {
    const { result } = await runBatch(options(client, 64 * 1024 * 1024, 10));
    expect(result).toMatchObject({ calls: 10, truncated: false, errors: { total: 0 } });
  });

  it('stops at the first call when one response alone is over the budget', async () => {
    const { result, firstError } = await runBatch(options(client, 100 * 1024, 50));
    expect(result.calls).toBe(1);
    expect(result.first.errorCode).toBe('BATCH_BYTES_LIMIT');
    expect(firstError).toContain('stopped after 1 call(s)');
  });
});
