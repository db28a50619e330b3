// The smoke check's readings, case by case, and the in-pod probe script run for real by node against local
// servers that answer, refuse with 403, or close the connection the way ztunnel refuses a caller under ambient.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPlaneCheck, memberFor, pingCheck, refusalChecks, smokeProbeScript, smokeRefusal } from './smoke.ts';

describe('memberFor', () => {
  it.each([
    ['me@example.com', 'user:me@example.com'],
    ['deployer@demo.iam.gserviceaccount.com\n', 'serviceAccount:deployer@demo.iam.gserviceaccount.com'],
  ])('%j → %s', (account, member) => expect(memberFor(account)).toBe(member));

  it.each(['', '(unset)'])('%j (no active account) says to log in', (account) => {
    expect(() => memberFor(account)).toThrow(/gcloud has no active account .*run `gcloud auth login`/);
  });
});

const pods = (items: Array<{ name: string; containers: string[]; init?: string[]; captured?: boolean }>) =>
  JSON.stringify({
    items: items.map((p) => ({
      metadata: { name: p.name, labels: { 's2s.dev/role': 'x' }, annotations: p.captured ? { 'ambient.istio.io/redirection': 'enabled' } : {} },
      spec: { containers: p.containers.map((name) => ({ name })), initContainers: (p.init ?? []).map((name) => ({ name })) },
    })),
  });

describe('dataPlaneCheck', () => {
  it.each([
    ['sidecar', pods([{ name: 'a', containers: ['app', 'istio-proxy'] }]), true, /1 pods, each with istio-proxy/],
    ['sidecar', pods([{ name: 'a', containers: ['app'], init: ['istio-proxy'] }]), true, /each with istio-proxy/], // a native sidecar
    ['sidecar', pods([{ name: 'a', containers: ['app'] }, { name: 'b', containers: ['app', 'istio-proxy'] }]), false, /no istio-proxy in a:/],
    ['ambient', pods([{ name: 'a', containers: ['app'], captured: true }]), true, /none with a sidecar, each captured by ztunnel/],
    ['ambient', pods([{ name: 'a', containers: ['app', 'istio-proxy'], captured: true }]), false, /a carry istio-proxy/],
    ['ambient', pods([{ name: 'a', containers: ['app'] }]), false, /a lack ambient.istio.io\/redirection=enabled/],
    ['ambient', '{"items":[]}', false, /no s2s pods/],
    ['sidecar', 'not json', false, /did not answer JSON/],
  ] as const)('%s: %s → ok=%s', (mesh, json, ok, detail) => {
    const check = dataPlaneCheck(json, mesh);
    expect(check.ok).toBe(ok);
    expect(check.detail).toMatch(detail);
  });
});

describe('refusalChecks', () => {
  it.each([
    ['sidecar', { 'pong-sec': { status: 403 }, 'pong-unsec': { status: 200 } }, [true, true]],
    ['sidecar', { 'pong-sec': { status: 200 }, 'pong-unsec': { status: 200 } }, [true, false]],
    ['sidecar', { 'pong-sec': { error: 'ECONNRESET' }, 'pong-unsec': { status: 200 } }, [true, false]],
    ['ambient', { 'pong-sec': { error: 'ECONNRESET' }, 'pong-unsec': { status: 200 } }, [true, true]],
    ['ambient', { 'pong-sec': { error: 'UND_ERR_SOCKET' }, 'pong-unsec': { status: 200 } }, [true, true]],
    ['ambient', { 'pong-sec': { error: 'TimeoutError' }, 'pong-unsec': { status: 200 } }, [true, false]],
    // pong-unsec unreachable: a refusal by pong-sec would prove nothing.
    ['ambient', { 'pong-sec': { error: 'ECONNRESET' }, 'pong-unsec': { error: 'ENOTFOUND' } }, [false, true]],
  ] as const)('%s %j → %j', (mesh, probe, oks) => {
    expect(refusalChecks(JSON.stringify(probe), mesh).map((c) => c.ok)).toEqual(oks);
  });
});

describe('pingCheck', () => {
  const body = (first: number, total: number) => JSON.stringify({ first: { status: first }, errors: { total } });
  it.each([
    [{ status: 200, error: null, body: body(200, 0) }, true, /pong-sec answered 200 to ping/],
    [{ status: 200, error: null, body: body(403, 1) }, false, /pong-sec refused ping \(ping-sa\) with HTTP 403/],
    [{ status: 503, error: null, body: '' }, false, /ping answered HTTP 503, not 200/],
    [{ status: null, error: 'ECONNREFUSED', body: '' }, false, /ping answered no answer \(ECONNREFUSED\)/],
    [{ status: 200, error: null, body: '<html>' }, false, /not with its JSON result/],
  ])('%j → ok=%s', (answer, ok, detail) => {
    const check = pingCheck('p', answer, 'ping-sa');
    expect(check.ok).toBe(ok);
    expect(check.detail).toMatch(detail);
  });
});

describe('smokeRefusal', () => {
  it('passes a passed check, refuses a failed or missing one with the reason and the fix', () => {
    expect(smokeRefusal('gke', { ok: true, checkedAt: 't', layer: 'none', checks: [] })).toBeNull();
    expect(smokeRefusal('gke', null)).toMatch(/no smoke check on record: run `npm run deploy:gke` again/);
    expect(smokeRefusal('cloudrun', { ok: false, checkedAt: 't', layer: 'id-token', checks: [{ name: 'a', ok: true, detail: 'x' }, { name: 'b', ok: false, detail: 'why' }] })).toBe(
      'the cloudrun deploy failed its smoke check (t): b: why. Fix it and run `npm run deploy:cloudrun` again',
    );
  });
});

describe('the smoke pod probe script, run by node', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/refuse/pong') return void res.writeHead(403).end('RBAC: access denied');
      if (req.url === '/reset/pong') return void req.socket.destroy(); // what a client sees when ztunnel refuses it
      res.writeHead(200).end('pong\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** The exact script, with the in-cluster URLs pointed at the local server. */
  function probe(secPath: string): Promise<string> {
    const script = smokeProbeScript('s2s')
      .replace('http://pong-sec.s2s.svc.cluster.local/pong', `${origin}/${secPath}/pong`)
      .replace('http://pong-unsec.s2s.svc.cluster.local/pong', `${origin}/open/pong`);
    return new Promise((resolve, reject) => execFile(process.execPath, ['-e', script], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
  }

  it('prints one JSON line the sidecar reading accepts for a 403', async () => {
    const out = await probe('refuse');
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(out)).toEqual({ 'pong-sec': { status: 403 }, 'pong-unsec': { status: 200 } });
    expect(refusalChecks(out, 'sidecar').every((c) => c.ok)).toBe(true);
  });

  it('names a closed connection by a code the ambient reading counts as a refusal', async () => {
    const out = await probe('reset');
    expect(JSON.parse(out)['pong-sec'].error).toMatch(/^(ECONNRESET|UND_ERR_SOCKET)$/);
    expect(refusalChecks(out, 'ambient').every((c) => c.ok)).toBe(true);
    expect(refusalChecks(out, 'sidecar')[1]!.ok).toBe(false);
  });
});
