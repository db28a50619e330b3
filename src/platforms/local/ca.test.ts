import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateError, createRunCa, issueServerCert, type RunCa, type ServerCert } from './ca.ts';

let dir: string;
let ca: RunCa;
let server: ServerCert;
let https: Server;
let port: number;

function get(options: { ca?: string; servername?: string; host?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: options.host ?? '127.0.0.1', port, path: '/', ca: options.ca, servername: options.servername, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's2s-ca-test-'));
  ca = await createRunCa(dir);
  server = await issueServerCert(ca, ['127.0.0.1', 'localhost']);
  https = createServer({ cert: server.certPem, key: server.keyPem }, (_req, res) => res.end('hello over tls'));
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  port = (https.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (https ? https.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('run CA', () => {
  it('writes the CA and server PEM files, keys readable only by the owner', async () => {
    expect(ca.certFile).toBe(join(dir, 'ca.pem'));
    expect(await readFile(ca.certFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(await readFile(server.keyFile, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect((await stat(ca.keyFile)).mode & 0o077).toBe(0);
    expect((await stat(server.keyFile)).mode & 0o077).toBe(0);
  });

  it('issues a CA certificate and a server certificate it signed, with IP and DNS SANs', () => {
    const caCert = new X509Certificate(ca.certPem);
    const leaf = new X509Certificate(server.certPem);
    expect(caCert.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.subjectAltName).toContain('DNS:localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
  });

  it('a TLS client given the CA trusts the server on 127.0.0.1 and on localhost', async () => {
    expect(await get({ ca: ca.certPem })).toEqual({ status: 200, body: 'hello over tls' });
    expect(await get({ ca: ca.certPem, host: 'localhost' })).toEqual({ status: 200, body: 'hello over tls' });
  });

  it('a TLS client without the CA rejects the server', async () => {
    await expect(get({})).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it('a name outside the SANs is rejected even with the CA', async () => {
    await expect(get({ ca: ca.certPem, servername: 'evil.example' })).rejects.toThrow(/altnames|does not match/i);
  });

  it('another run CA does not vouch for this server', async () => {
    const other = await createRunCa(join(dir, 'other'));
    await expect(get({ ca: other.certPem })).rejects.toThrow(/unable to (get|verify)|signature/i);
  });

  it.each([
    [[], /hosts is empty/],
    [['127.0.0.1'], /not a plain file name/, '../escape'],
  ] as const)('rejects bad input %j with a clear message', async (hosts, message, name?: string) => {
    await expect(issueServerCert(ca, [...hosts], { name })).rejects.toThrow(CertificateError);
    await expect(issueServerCert(ca, [...hosts], { name })).rejects.toThrow(message);
  });
});
