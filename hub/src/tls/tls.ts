// TLS for the hub: load the configured certificate and key, or make a self-signed pair for local use.
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint of the leaf certificate, `AB:CD:…`, to compare with what a client sees. */
  fingerprint: string;
}

export class TlsError extends Error {}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TlsError(`cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export function fingerprintOf(certPem: Buffer | string): string {
  try {
    return new X509Certificate(certPem).fingerprint256;
  } catch (err) {
    throw new TlsError(`the TLS certificate does not parse as PEM X.509: ${(err as Error).message}`);
  }
}

export function loadTls(files: { cert: string; key: string }): TlsMaterial {
  const cert = read(files.cert, 'certificate');
  const key = read(files.key, 'key');
  return { cert, key, fingerprint: fingerprintOf(cert) };
}

/** Names the certificate is valid for: loopback, this machine's name, and the address the hub listens on. */
function altNames(listenHost: string) {
  const dns = new Set(['localhost', hostname()]);
  const ips = new Set(['127.0.0.1', '::1']);
  if (isIP(listenHost)) {
    if (listenHost !== '0.0.0.0' && listenHost !== '::') ips.add(listenHost);
  } else if (listenHost) dns.add(listenHost);
  return [
    ...[...dns].map((value) => ({ type: 2 as const, value })),
    ...[...ips].map((ip) => ({ type: 7 as const, ip })),
  ];
}

/**
 * `--tls self-signed`: a certificate kept in `<data dir>/tls/` (made at the first start, re-used after), valid for two
 * years for loopback, this host's name and the listen address. Runners trust it with `--ca-file <data dir>/tls/cert.pem`.
 */
export async function ensureSelfSigned(
  dataDir: string,
  listenHost: string,
): Promise<{ cert: string; key: string; created: boolean }> {
  const dir = path.join(dataDir, 'tls');
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  if (existsSync(cert) && existsSync(key)) return { cert, key, created: false };
  mkdirSync(dir, { recursive: true });
  const now = Date.now();
  const { generate } = await import('selfsigned'); // only here: a hub with its own certificate never loads it
  const pems = await generate([{ name: 'commonName', value: 'Simpul hub (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 730 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNames(listenHost) },
    ],
  });
  writeFileSync(key, pems.private, { mode: 0o600 });
  chmodSync(key, 0o600);
  writeFileSync(cert, pems.cert);
  return { cert, key, created: true };
}

/** What `serve()` of @hono/node-server needs for HTTPS (Socket.IO then speaks WSS on the same server), or nothing. */
export function serveOptions(files: { cert: string; key: string } | undefined): {
  createServer?: typeof createHttpsServer;
  serverOptions?: { cert: Buffer; key: Buffer };
} {
  if (!files) return {};
  const { cert, key } = loadTls(files);
  return { createServer: createHttpsServer, serverOptions: { cert, key } };
}
