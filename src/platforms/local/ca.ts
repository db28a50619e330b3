// The local platform's run CA: a certificate authority made for one run, and the server
// certificates it issues for 127.0.0.1/localhost, so every hop is real HTTPS that ping trusts.
// Keys come from node:crypto (native, fast); node-forge only builds and signs the X.509 structures
// (Node has no certificate-creation API; @peculiar/x509 needs a global reflect-metadata polyfill).
import { generateKeyPair, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateKeyPairAsync = promisify(generateKeyPair);

/** A CA whose key and certificate are PEM files in `dir`. */
export interface RunCa {
  dir: string;
  /** PEM certificate: what clients trust (NODE_EXTRA_CA_CERTS, curl --cacert). */
  certFile: string;
  /** PEM PKCS#8 private key (mode 0600). */
  keyFile: string;
  certPem: string;
  keyPem: string;
}

/** A server certificate issued by a RunCa, with its key, as PEM files. */
export interface ServerCert {
  /** PEM certificate (TLS_CERT_FILE). */
  certFile: string;
  /** PEM PKCS#8 private key (TLS_KEY_FILE, mode 0600). */
  keyFile: string;
  certPem: string;
  keyPem: string;
  /** Host names and IP addresses in the subjectAltName. */
  hosts: string[];
}

export interface CaOptions {
  /** Subject CN of the CA. */
  commonName?: string;
  /** How long the CA is valid, in days (default 7: a run platform may stay up for a long soak). */
  validityDays?: number;
}

export interface ServerCertOptions {
  /** File name stem in the CA's dir: `<name>.pem` and `<name>-key.pem` (default "server"). */
  name?: string;
  /** How long the certificate is valid, in days (default 7). */
  validityDays?: number;
}

export class CertificateError extends Error {
  override name = 'CertificateError';
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdate notBefore so a client whose clock is slightly behind still accepts the certificate. */
const BACKDATE_MS = 60 * 60 * 1000;

async function newRsaKey(): Promise<{ keyPem: string; forgeKey: forge.pki.rsa.PrivateKey; forgePublic: forge.pki.rsa.PublicKey }> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    keyPem: privateKey,
    forgeKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    forgePublic: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

/** A positive 128-bit serial (the high bit cleared so DER does not read it as negative). */
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, validityDays: number): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + validityDays * DAY_MS);
}

async function writePair(dir: string, stem: string, certPem: string, keyPem: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, `${stem}.pem`);
  const keyFile = join(dir, `${stem}-key.pem`);
  await writeFile(certFile, certPem, { mode: 0o644 });
  await writeFile(keyFile, keyPem, { mode: 0o600 });
  return { certFile, keyFile };
}

/** Creates a CA (RSA-2048, SHA-256) and writes `ca.pem` and `ca-key.pem` into `dir` (created if missing). */
export async function createRunCa(dir: string, options: CaOptions = {}): Promise<RunCa> {
  const commonName = options.commonName ?? `s2s-latency local run CA ${new Date().toISOString()}`;
  const validityDays = options.validityDays ?? 7;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const key = await newRsaKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.forgePublic;
    cert.serialNumber = randomSerialHex();
    validity(cert, validityDays);
    const subject = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 's2s-latency' }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(key.forgeKey, forge.md.sha256.create());
    const certPem = forge.pki.certificateToPem(cert);
    const files = await writePair(dir, 'ca', certPem, key.keyPem);
    return { dir, ...files, certPem, keyPem: key.keyPem };
  } catch (cause) {
    throw new CertificateError(`create the run CA in ${dir} failed: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Issues a TLS server certificate for `hosts` (IP literals go into iPAddress SANs, names into dNSName SANs),
 * signed by `ca`, and writes `<name>.pem` / `<name>-key.pem` into the CA's dir.
 */
export async function issueServerCert(ca: RunCa, hosts: string[], options: ServerCertOptions = {}): Promise<ServerCert> {
  const stem = options.name ?? 'server';
  if (hosts.length === 0) {
    throw new CertificateError(`issue server certificate "${stem}": hosts is empty; pass e.g. ["127.0.0.1", "localhost"]`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(stem)) {
    throw new CertificateError(`issue server certificate: name "${stem}" is not a plain file name; use letters, digits, ".", "_" or "-"`);
  }
  try {
    const caCert = forge.pki.certificateFromPem(ca.certPem);
    const caKey = forge.pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey;
    const key = await newRsaKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.forgePublic;
    cert.serialNumber = randomSerialHex();
    validity(cert, options.validityDays ?? 7);
    cert.setSubject([{ name: 'commonName', value: hosts[0] ?? 'localhost' }]);
    cert.setIssuer(caCert.subject.attributes);
    const altNames = hosts.map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host }));
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(caKey, forge.md.sha256.create());
    const certPem = forge.pki.certificateToPem(cert);
    const files = await writePair(ca.dir, stem, certPem, key.keyPem);
    return { ...files, certPem, keyPem: key.keyPem, hosts: [...hosts] };
  } catch (cause) {
    throw new CertificateError(`issue server certificate "${stem}" for ${hosts.join(', ')} failed: ${(cause as Error).message}`, { cause });
  }
}
